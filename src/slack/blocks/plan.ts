/**
 * The plan message, readable in ten seconds: a line per node, the blast radius, the expiry, and the Approve / Dry
 * run / Reject / Show commands buttons (the exact commands are a reply on demand: plan-commands.ts). Buttons carry only the run's opaque id; who may approve is decided by the remediation
 * service when someone clicks. The same message is re-rendered (chat.update) as the plan is approved, rejected,
 * expires or is superseded, and then it has no buttons. Pure.
 */
import type { Plan, PlanStep } from "../../remediation/plan.ts";
import { clusterContext, clusterPlain } from "./cluster.ts";
import { capList } from "./limits.ts";
import { code, escapeMrkdwn, mentionUser, plural, slackDate } from "./mrkdwn.ts";
import { type Block, button, context, header, type Message, section } from "./types.ts";

export const ACTIONS = {
  approve: "cni_approve",
  dryRun: "cni_dry_run",
  reject: "cni_reject",
  stop: "cni_stop",
  showCommands: "cni_show_commands",
} as const;

const MAX_NODE_LINES = 20;

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
  // One line per node; the exact commands are a click away (Show commands) and in the journal.
  if (plan.steps.length > 0) {
    const lines = planLines(plan);
    const shown = capList(lines, MAX_NODE_LINES);
    truncated ||= shown.more > 0;
    blocks.push(
      section(
        [
          ...shown.shown,
          ...(shown.more > 0 ? [`…and ${shown.more} more nodes, in the attached plan.json`] : []),
        ].join("\n"),
      ),
    );
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

/**
 * The plan as a person reads it: a line per node with what happens there, in order ("`k8s-worker1`: move 2 files
 * aside (kept), restart calico-node, recycle 1 pod"), then what is checked once every node is done.
 */
export function planLines(plan: Plan): string[] {
  const byNode = new Map<string, string[]>();
  const after: string[] = [];
  for (const step of plan.steps) {
    const phrase = stepPhrase(step);
    if (!step.node) after.push(phrase);
    else byNode.set(step.node, [...(byNode.get(step.node) ?? []), phrase]);
  }
  return [
    ...[...byNode].map(([node, phrases]) => `• ${code(node)}: ${phrases.join(", ")}`),
    ...(after.length > 0 ? [`• then ${after.join(", ")}`] : []),
  ];
}

function stepPhrase(step: PlanStep): string {
  switch (step.kind) {
    case "quarantine-cni-config":
      return step.quarantine.files.length <= 3
        ? `move ${step.quarantine.files.map((f) => code(f)).join(", ")} aside (kept)`
        : `move ${step.quarantine.files.length} files aside (kept)`;
    case "restart-cni-agent":
      return `restart ${code(step.agent.name)}`;
    case "recycle-pods":
      return `recycle ${plural(step.pods.length, "stuck pod")}`;
    case "verify":
      return "verify: pods Running and Ready, their Services' endpoints, a fresh diagnosis";
  }
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
            button("Show commands", ACTIONS.showCommands, view.runId),
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
