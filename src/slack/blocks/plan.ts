/**
 * The plan message: every step with its target and exact commands, the blast radius, the expiry, and the Approve /
 * Dry run / Reject buttons. Buttons carry only the run's opaque id; who may approve is decided by the remediation
 * service when someone clicks. The same message is re-rendered (chat.update) as the plan is approved, rejected,
 * expires or is superseded, and then it has no buttons. Pure.
 */
import type { Plan, PlanStep } from "../../remediation/plan.ts";
import { clusterContext, clusterPlain } from "./cluster.ts";
import { capList } from "./limits.ts";
import { code, codeBlock, escapeMrkdwn, mentionUser, plural, slackDate } from "./mrkdwn.ts";
import { type Block, button, context, header, type Message, section } from "./types.ts";

export const ACTIONS = {
  approve: "cni_approve",
  dryRun: "cni_dry_run",
  reject: "cni_reject",
  stop: "cni_stop",
} as const;

const MAX_STEPS = 30;
/** Slack refuses messages whose blocks run to about 13k characters (bolt-js#2509); steps get most of it. */
const STEP_BUDGET_CHARS = 9_000;
const MAX_COMMANDS_PER_STEP = 15;
const MAX_PODS_PER_STEP = 10;

export type PlanState =
  | { kind: "pending"; approvals: { userId: string; at: string }[] }
  | { kind: "approved"; approvals: { userId: string; at: string }[] }
  | { kind: "rejected"; by: string; at: string }
  | { kind: "expired"; at: string }
  | { kind: "superseded"; reason: string }
  | { kind: "refused"; reason: string };

export interface PlanView {
  runId: string;
  plan: Plan;
  requestedBy: string;
  expiresAt: string;
  quorum: number;
  policyViolations: string[];
  state: PlanState;
}

export interface RenderedPlan {
  message: Message;
  /** Steps or commands were left out for size: attach the full plan so the approver can read every command. */
  truncated: boolean;
}

export function renderPlan(view: PlanView): RenderedPlan {
  const { plan } = view;
  let truncated = false;
  const blocks: Block[] = [
    header(plan.nothingToDo ? "Nothing cni-doctor can fix automatically" : "Proposed fix"),
  ];
  blocks.push(clusterContext(plan.cluster));
  if (!plan.nothingToDo) {
    blocks.push(
      section(
        `*Blast radius*: ${plural(plan.blastRadius.nodes.length, "node")} (${plan.blastRadius.nodes.map((n) => code(n)).join(", ") || "none"}), ${plural(plan.blastRadius.pods.length, "pod")} deleted and recreated by their controllers.\nplan ${code(plan.digest.slice(0, 19))}, requested by ${mentionUser(view.requestedBy)}`,
      ),
    );
  }
  // Steps go in while they fit in Slack's size budget, leaving room for the rest; the plan file has them all.
  let shownSteps = 0;
  for (const [i, step] of plan.steps.slice(0, MAX_STEPS).entries()) {
    const rendered = renderStep(step, i + 1);
    const block = section(rendered.text);
    if (JSON.stringify([...blocks, block]).length > STEP_BUDGET_CHARS) break;
    truncated ||= rendered.truncated;
    blocks.push(block);
    shownSteps += 1;
  }
  if (shownSteps < plan.steps.length) {
    truncated = true;
    blocks.push(context(`…and ${plan.steps.length - shownSteps} more steps, in the attached plan.json.`));
  }
  if (plan.manualActions.length > 0) {
    const manual = capList(plan.manualActions, 5);
    truncated ||= manual.more > 0;
    blocks.push(
      section(
        [
          "*Left to a human*",
          ...manual.shown.map(
            (a) => `• ${a.node ? `${code(a.node)}: ` : ""}${code(a.rootCause)}: ${escapeMrkdwn(a.summary)}`,
          ),
          ...(manual.more > 0 ? [`…and ${manual.more} more`] : []),
        ].join("\n"),
      ),
    );
  }
  if (plan.excludedPods.length > 0) {
    const excluded = capList(plan.excludedPods, 5);
    truncated ||= excluded.more > 0;
    blocks.push(
      context(
        `Left alone: ${excluded.shown.map((p) => `${code(p.pod)} (${escapeMrkdwn(p.reason)})`).join(", ")}${excluded.more > 0 ? `, and ${excluded.more} more` : ""}`,
      ),
    );
  }
  if (view.policyViolations.length > 0) {
    blocks.push(
      section(
        `:no_entry: *Policy forbids this plan*: ${view.policyViolations.map(escapeMrkdwn).join("; ")}. It cannot be approved.`,
      ),
    );
  }
  blocks.push(
    ...stateBlocks(view.state, {
      runId: view.runId,
      expiresAt: view.expiresAt,
      quorum: view.quorum,
      buttons: approvable(view),
    }),
  );
  const fallback = `cni-doctor plan for ${clusterPlain(plan.cluster)}: ${plural(plan.steps.length, "step")} on ${plural(plan.blastRadius.nodes.length, "node")}; ${stateWords(view.state)}`;
  return { message: { text: fallback, blocks }, truncated };
}

function renderStep(step: PlanStep, n: number): { text: string; truncated: boolean } {
  let truncated = false;
  const lines = [
    `*${n}. ${escapeMrkdwn(step.description)}*${step.node ? ` on ${code(step.node)}` : ""} (${code(step.kind)})`,
  ];
  if (step.pods && step.pods.length > 0) {
    const pods = capList(step.pods, MAX_PODS_PER_STEP);
    truncated ||= pods.more > 0;
    lines.push(
      `pods: ${pods.shown.map((p) => code(p)).join(", ")}${pods.more > 0 ? `, and ${pods.more} more` : ""}`,
    );
  }
  if (step.commands && step.commands.length > 0) {
    const commands = capList(step.commands, MAX_COMMANDS_PER_STEP);
    truncated ||= commands.more > 0;
    lines.push(codeBlock(commands.shown));
    if (commands.more > 0) lines.push(`…and ${commands.more} more commands, in the attached plan.json`);
  }
  const text = lines.join("\n");
  // Commands are never silently cut: if a step is still too long, it points at the file instead.
  if (text.length > 2900)
    return {
      text: `${lines[0]}\n_(commands too long to show here: see the attached plan.json)_`,
      truncated: true,
    };
  return { text, truncated };
}

/** A plan someone can approve: it has steps to run and no policy limit refuses it. */
export function approvable(view: Pick<PlanView, "plan" | "policyViolations">): boolean {
  return !view.plan.nothingToDo && view.policyViolations.length === 0;
}

function stateBlocks(
  s: PlanState,
  view: { runId: string; expiresAt: string; quorum: number; buttons: boolean },
): Block[] {
  switch (s.kind) {
    case "pending": {
      // Say only what is true: a plan of manual actions alone, or one a policy limit refuses, waits for nobody.
      if (!view.buttons)
        return [
          context(
            ":no_entry: Nothing here can be approved: no step can run automatically under the policy. The manual actions above say what to do.",
          ),
        ];
      const blocks: Block[] = [];
      const approvalsNote =
        view.quorum > 1
          ? ` Needs ${view.quorum} approvals${s.approvals.length > 0 ? `; so far ${s.approvals.map((a) => mentionUser(a.userId)).join(", ")}` : ""}.`
          : "";
      blocks.push(
        context(
          `:hourglass_flowing_sand: Waiting for an approver. Expires ${slackDate(view.expiresAt)}; the requester cannot approve their own plan.${approvalsNote}`,
        ),
      );
      if (view.buttons) {
        blocks.push({
          type: "actions",
          block_id: "cni_plan_actions",
          elements: [
            button("Approve", ACTIONS.approve, view.runId, "primary"),
            button("Dry run", ACTIONS.dryRun, view.runId),
            button("Reject", ACTIONS.reject, view.runId, "danger"),
          ],
        });
      }
      return blocks;
    }
    case "approved":
      return [
        section(
          `:white_check_mark: *Approved* by ${s.approvals.map((a) => `${mentionUser(a.userId)} at ${slackDate(a.at)}`).join(", ")}. Running it now; progress follows in this thread.`,
        ),
      ];
    case "rejected":
      return [section(`:x: *Rejected* by ${mentionUser(s.by)} at ${slackDate(s.at)}. Nothing was changed.`)];
    case "expired":
      return [
        section(
          `:alarm_clock: *Expired* at ${slackDate(s.at)} without approval. Nothing was changed; run \`/cni fix\` for a fresh plan.`,
        ),
      ];
    case "superseded":
      return [section(`:arrows_counterclockwise: *Superseded*: ${escapeMrkdwn(s.reason)}`)];
    case "refused":
      return [section(`:no_entry: *Not run*: ${escapeMrkdwn(s.reason)}`)];
  }
}

/** The state of a plan as one block, for plan messages whose full content is not in memory (after a restart). */
export function renderPlanState(state: PlanState): Block {
  const blocks = stateBlocks(state, {
    runId: "",
    expiresAt: new Date().toISOString(),
    quorum: 1,
    buttons: false,
  });
  return blocks[0] ?? section(stateWords(state));
}

function stateWords(s: PlanState): string {
  switch (s.kind) {
    case "pending":
      return "waiting for approval";
    case "approved":
      return "approved";
    case "rejected":
      return "rejected";
    case "expired":
      return "expired";
    case "superseded":
      return "superseded";
    case "refused":
      return "not run";
  }
}
