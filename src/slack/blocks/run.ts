/**
 * A run's progress as one Slack message (re-rendered with chat.update as events arrive), the per-node thread
 * replies, and the final summary with the verification. The state is folded from the remediation service's
 * RunEvents by a pure reducer, so the message always shows the latest state however many updates were coalesced.
 */
import type { ClusterIdentity } from "../../kube/types.ts";
import type { Plan } from "../../remediation/plan.ts";
import type { RollbackRecord, RunEvent, VerificationResult } from "../../remediation/run.ts";
import { clusterContext, clusterPlain } from "./cluster.ts";
import { capList } from "./limits.ts";
import { code, escapeMrkdwn, plural } from "./mrkdwn.ts";
import { ACTIONS } from "./plan.ts";
import { type Block, button, context, type Message, section } from "./types.ts";

type StepStatus = "pending" | "running" | "ok" | "failed" | "skipped";

export interface StepProgress {
  kind: string;
  node: string | null;
  description: string;
  status: StepStatus;
  durationMs: number | null;
  output: string[];
  error: string | null;
}

export interface ProgressState {
  runId: string;
  cluster: ClusterIdentity;
  dryRun: boolean;
  approvedBy: string[];
  steps: StepProgress[];
  stopRequestedBy: string | null;
  finished: { status: string; message: string; verification: VerificationResult | null } | null;
}

export function initialProgress(runId: string, plan: Plan, dryRun: boolean): ProgressState {
  return {
    runId,
    cluster: plan.cluster,
    dryRun,
    approvedBy: [],
    steps: plan.steps.map((s) => ({
      kind: s.kind,
      node: s.node ?? null,
      description: s.description,
      status: "pending",
      durationMs: null,
      output: [],
      error: null,
    })),
    stopRequestedBy: null,
    finished: null,
  };
}

export function applyRunEvent(state: ProgressState, event: RunEvent): ProgressState {
  switch (event.type) {
    case "run-started":
      return { ...state, dryRun: event.dryRun, approvedBy: event.approvedBy };
    case "step-started":
      return {
        ...state,
        steps: withStep(state.steps, event.index, {
          status: "running",
          kind: event.kind,
          node: event.node,
          description: event.description,
        }),
      };
    case "step-finished":
      return {
        ...state,
        steps: withStep(state.steps, event.index, {
          status: event.status,
          durationMs: event.durationMs,
          output: event.output,
          error: event.error,
        }),
      };
    case "run-finished":
      return {
        ...state,
        finished: { status: event.status, message: event.message, verification: event.verification },
      };
    default:
      return state;
  }
}

function withStep(steps: StepProgress[], index: number, patch: Partial<StepProgress>): StepProgress[] {
  const next = [...steps];
  const current = next[index] ?? {
    kind: patch.kind ?? "step",
    node: patch.node ?? null,
    description: patch.description ?? "",
    status: "pending" as const,
    durationMs: null,
    output: [],
    error: null,
  };
  next[index] = { ...current, ...patch };
  return next;
}

const ICONS: Record<StepStatus, string> = {
  pending: ":white_small_square:",
  running: ":hourglass_flowing_sand:",
  ok: ":white_check_mark:",
  failed: ":x:",
  skipped: ":fast_forward:",
};

const MAX_STEPS_SHOWN = 40;

export function renderProgress(state: ProgressState): Message {
  const done = state.steps.filter((s) => s.status === "ok" || s.status === "skipped").length;
  const running = state.steps.findIndex((s) => s.status === "running");
  const headline = state.finished
    ? `*${state.dryRun ? "Dry run" : "Run"} ${finishedWords(state.finished.status)}*: ${escapeMrkdwn(state.finished.message)}`
    : `*${state.dryRun ? "Dry run" : "Running the fix"}*: ${done} of ${plural(state.steps.length, "step")} done${running >= 0 ? `, now step ${running + 1}` : ""}`;
  const blocks: Block[] = [section(headline), clusterContext(state.cluster)];
  const { shown, more } = capList(state.steps, MAX_STEPS_SHOWN);
  const lines = shown.map(
    (s, i) =>
      `${ICONS[s.status]} ${i + 1}. ${escapeMrkdwn(s.description)}${s.node ? ` on ${code(s.node)}` : ""}${s.durationMs !== null ? ` (${formatDuration(s.durationMs)})` : ""}${s.error ? `: ${escapeMrkdwn(s.error)}` : ""}`,
  );
  // One section per ~20 lines keeps each under 3,000 characters.
  for (let i = 0; i < lines.length; i += 20) blocks.push(section(lines.slice(i, i + 20).join("\n")));
  if (more > 0) blocks.push(context(`…and ${more} more steps`));
  if (state.stopRequestedBy) {
    blocks.push(
      context(
        `:octagonal_sign: Stop requested by <@${state.stopRequestedBy}>: the run ends after the current step.`,
      ),
    );
  } else if (!state.finished && !state.dryRun) {
    blocks.push({
      type: "actions",
      block_id: "cni_run_actions",
      elements: [button("Stop", ACTIONS.stop, state.runId, "danger")],
    });
  }
  const text = state.finished
    ? `cni-doctor ${state.dryRun ? "dry run" : "run"} on ${clusterPlain(state.cluster)} ${finishedWords(state.finished.status)}`
    : `cni-doctor is fixing ${clusterPlain(state.cluster)}: ${done} of ${plural(state.steps.length, "step")} done`;
  return { text, blocks };
}

/** The thread reply when a node is done. */
export function renderNodeFinished(
  event: Extract<RunEvent, { type: "node-finished" }>,
  cluster: ClusterIdentity,
): Message {
  const words: Record<typeof event.status, string> = {
    healed: ":white_check_mark: healed",
    failed: ":x: failed",
    "rolled-back": ":leftwards_arrow_with_hook: rolled back",
    stopped: ":octagonal_sign: stopped",
  };
  return {
    text: `Node ${escapeMrkdwn(event.node)}: ${event.status}`,
    blocks: [section(`Node ${code(event.node)}: ${words[event.status]}`), clusterContext(cluster)],
  };
}

export function renderRollback(rollback: RollbackRecord, cluster: ClusterIdentity): Message {
  const restored = capList(rollback.restored, 10);
  return {
    text: `Node ${escapeMrkdwn(rollback.node)} rolled back: ${escapeMrkdwn(rollback.message)}`,
    blocks: [
      section(
        [
          `${rollback.ok ? ":leftwards_arrow_with_hook:" : ":rotating_light:"} *Rolled back* ${code(rollback.node)}: ${escapeMrkdwn(rollback.message)}`,
          rollback.restored.length > 0
            ? `restored: ${restored.shown.map((f) => code(f)).join(", ")}${restored.more > 0 ? `, and ${restored.more} more` : ""}`
            : "",
          rollback.displaced.length > 0 && rollback.displacedTo
            ? `files written meanwhile were moved to ${code(rollback.displacedTo)}`
            : "",
        ]
          .filter(Boolean)
          .join("\n"),
      ),
      clusterContext(cluster),
    ],
  };
}

/** The final summary, with the verification results. */
export function renderRunSummary(state: ProgressState): Message {
  const f = state.finished;
  const status = f?.status ?? "unknown";
  const icon = status === "succeeded" ? ":white_check_mark:" : status === "dry-run" ? ":memo:" : ":x:";
  const blocks: Block[] = [
    section(
      `${icon} *${state.dryRun ? "Dry run" : "Fix"} ${finishedWords(status)}*: ${escapeMrkdwn(f?.message ?? "")}`,
    ),
  ];
  const v = f?.verification;
  if (v) {
    const checks = capList(v.checks, 25);
    blocks.push(
      section(
        [
          `*Verification* ${v.ok ? "passed" : "*failed*"}`,
          ...checks.shown.map(
            (c) =>
              `${c.ok ? ":white_check_mark:" : ":x:"} ${escapeMrkdwn(c.name)}: ${escapeMrkdwn(c.detail)}`,
          ),
          ...(checks.more > 0 ? [`…and ${checks.more} more checks`] : []),
        ].join("\n"),
      ),
    );
  }
  blocks.push(clusterContext(state.cluster));
  return {
    text: `cni-doctor ${state.dryRun ? "dry run" : "fix"} ${finishedWords(status)} on ${clusterPlain(state.cluster)}`,
    blocks,
  };
}

/** A dry run's output: what would run, step by step. */
export function renderDryRunSteps(plan: Plan): Message {
  const blocks: Block[] = [
    section(`:memo: *Dry run*: nothing was changed. This is exactly what the fix would run:`),
  ];
  const { shown, more } = capList(plan.steps, 40);
  shown.forEach((s, i) => {
    blocks.push(
      section(
        `${i + 1}. ${escapeMrkdwn(s.description)}${s.node ? ` on ${code(s.node)}` : ""}${s.commands?.length ? `\n\`\`\`${s.commands.map((c) => escapeMrkdwn(c).replaceAll("```", "ˋˋˋ")).join("\n")}\`\`\`` : ""}`,
      ),
    );
  });
  if (more > 0) blocks.push(context(`…and ${more} more steps`));
  blocks.push(clusterContext(plan.cluster));
  return { text: `cni-doctor dry run on ${clusterPlain(plan.cluster)}: nothing was changed`, blocks };
}

function finishedWords(status: string): string {
  switch (status) {
    case "succeeded":
      return "succeeded";
    case "failed":
      return "failed";
    case "rolled-back":
      return "failed and was rolled back";
    case "stopped":
      return "was stopped";
    case "dry-run":
      return "finished (nothing changed)";
    case "interrupted":
      return "was interrupted";
    default:
      return escapeMrkdwn(status);
  }
}

function formatDuration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}
