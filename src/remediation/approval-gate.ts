/**
 * The approval decision, pure: given a run as the journal holds it, an approver and the time, is this approval
 * allowed, and what does it change? Decided at click time, server side, so no front end can skip it: the approver
 * must be listed (by user or group), may not be the requester unless the policy allows self-approval, the plan must
 * not have expired or break a policy limit, and approving twice changes nothing.
 */
import type { RemediationPolicy } from "../config.ts";
import type { Actor, ApprovalRefusal, RunRecord } from "./run.ts";

export type ApprovalDecision =
  | { kind: "refuse"; reason: ApprovalRefusal; message: string }
  | { kind: "already-approved"; message: string }
  | { kind: "record"; quorumReached: boolean; message: string };

/** How an actor is named in CNI_DOCTOR_APPROVERS: Slack IDs as they are, terminal users as `cli:<os user>`. */
export function approverKey(actor: Pick<Actor, "id" | "via">): string {
  return actor.via === "cli" ? `cli:${actor.id}` : actor.id;
}

/** How a person is named in messages: their display name where known, with the key the policy uses. */
function nameOf(actor: Pick<Actor, "id" | "via" | "displayName">): string {
  const key = approverKey(actor);
  return actor.displayName && actor.displayName !== actor.id ? `${actor.displayName} (${key})` : key;
}

export function isListedApprover(actor: Actor, approvers: readonly string[]): boolean {
  const listed = new Set(approvers);
  return listed.has(approverKey(actor)) || (actor.groups ?? []).some((g) => listed.has(g));
}

export function sameActor(a: Actor, b: Actor): boolean {
  return a.via === b.via && a.id === b.id;
}

export function selfApprovalAllowed(
  policy: Pick<RemediationPolicy, "selfApproval">,
  approver: Actor,
): boolean {
  return policy.selfApproval === "all" || (policy.selfApproval === "cli" && approver.via === "cli");
}

/**
 * Who may turn the kill switch on or off: approvers only, the same rule for the terminal, Slack and anything else
 * that drives the service. Null when `by` may; else the refusal, saying who may.
 */
export function killSwitchRefusal(
  by: Actor,
  action: "pause" | "resume",
  approvers: readonly string[],
): string | null {
  if (isListedApprover(by, approvers)) return null;
  return `${approverKey(by)} may not ${action} remediation: only approvers may ${action} it (CNI_DOCTOR_APPROVERS).`;
}

/**
 * Approvers-only actions besides approving and the kill switch (e.g. `/cni check`, which shows how the bot is set
 * up): the same listing rule. Null when `by` may; else the refusal, saying who may.
 */
export function approversOnlyRefusal(by: Actor, what: string, approvers: readonly string[]): string | null {
  if (isListedApprover(by, approvers)) return null;
  return `${approverKey(by)} may not ${what}: only approvers may (CNI_DOCTOR_APPROVERS).`;
}

/**
 * Whether `actor` may approve their own request at all, asked before anyone is prompted (the terminal's `fix`): the
 * reason and the setting that would allow it, or null when their approval would count.
 */
export function ownApprovalRefusal(
  actor: Actor,
  policy: Pick<RemediationPolicy, "approvers" | "selfApproval">,
): string | null {
  const key = approverKey(actor);
  if (!isListedApprover(actor, policy.approvers))
    return `${key} is not an approver, so an approval given here would not count (add ${key} to CNI_DOCTOR_APPROVERS to allow it).`;
  if (!selfApprovalAllowed(policy, actor))
    return `${key} asked for this fix and may not approve it too: the two-person rule needs another approver (CNI_DOCTOR_SELF_APPROVAL=${policy.selfApproval}; ${actor.via === "cli" ? "cli" : "all"} would allow it).`;
  return null;
}

export function decideApproval(
  run: RunRecord,
  approver: Actor,
  policy: Pick<RemediationPolicy, "approvers" | "selfApproval">,
  now: Date,
): ApprovalDecision {
  if (run.state !== "pending" && run.state !== "approved" && run.state !== "running") {
    return {
      kind: "refuse",
      reason: "not-pending",
      message: `Run ${run.id} is ${run.state}; it can no longer be approved.`,
    };
  }
  if (!isListedApprover(approver, policy.approvers)) {
    return {
      kind: "refuse",
      reason: "not-an-approver",
      message: `${nameOf(approver)} may not approve fixes: neither the user nor any of their groups is in CNI_DOCTOR_APPROVERS.`,
    };
  }
  // The quorum is already met: a further approval (a second approver clicking at the same moment) must not start
  // the run a second time, so it changes nothing and says so.
  if (run.state === "approved" || run.state === "running") {
    const by = run.approvals.map((a) => nameOf(a.actor)).join(", ") || "its approvers";
    return {
      kind: "already-approved",
      message: `Run ${run.id} is already ${run.state === "running" ? "running" : "approved and starting"} (approved by ${by}); your approval changes nothing.`,
    };
  }
  if (sameActor(approver, run.requestedBy) && !selfApprovalAllowed(policy, approver)) {
    return {
      kind: "refuse",
      reason: "self-approval",
      message: `${nameOf(approver)} asked for this fix and may not approve it too: the two-person rule needs another approver (CNI_DOCTOR_SELF_APPROVAL=${policy.selfApproval}).`,
    };
  }
  if (now.getTime() >= Date.parse(run.expiresAt)) {
    return {
      kind: "refuse",
      reason: "expired",
      message: `Run ${run.id}'s approval window closed at ${run.expiresAt}. Diagnose again for a fresh plan.`,
    };
  }
  if (run.policyViolations.length > 0) {
    return { kind: "refuse", reason: "policy-violation", message: run.policyViolations.join(" ") };
  }
  if (run.plan.nothingToDo) {
    return {
      kind: "refuse",
      reason: "nothing-to-do",
      message: `Run ${run.id}'s plan changes nothing; there is nothing to approve.`,
    };
  }
  if (run.approvals.some((a) => sameActor(a.actor, approver))) {
    return { kind: "already-approved", message: `${nameOf(approver)} already approved run ${run.id}.` };
  }
  const count = run.approvals.length + 1;
  return {
    kind: "record",
    quorumReached: count >= run.quorum,
    message:
      count >= run.quorum
        ? `Run ${run.id} approved (${count} of ${run.quorum}) for plan ${run.plan.digest}.`
        : `Approval ${count} of ${run.quorum} recorded for run ${run.id}; ${run.quorum - count} more needed.`,
  };
}
