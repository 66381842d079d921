/**
 * Whether an approved run may start, decided without I/O from what the service has read: the run's journal record,
 * the kill switch, the clock, and a fresh plan for the cluster as it is now. Each refusal says what to do next.
 */
import type { Diagnosis } from "../diagnosis/model.ts";
import type { PauseState } from "./kill-switch.ts";
import type { Plan } from "./plan.ts";
import type { ExecutionRefusal, RunRecord } from "./run.ts";

export interface Refusal {
  reason: ExecutionRefusal;
  message: string;
  /** For drift: the plan for the cluster as it is now. */
  newPlan?: Plan;
  /** For an approval that lapsed before the run started: close the run as expired with this outcome. */
  closeAsExpired?: string;
}

/**
 * The checks before anything is re-read: the kill switch (not for a dry run, which changes nothing), the run's state,
 * the policy limits, an empty plan and the approval window.
 */
export function preflightRefusal(
  run: RunRecord,
  at: { dryRun: boolean; pause: PauseState | null; now: Date },
): Refusal | null {
  const { id } = run;
  if (!at.dryRun && at.pause?.paused) {
    return {
      reason: "paused",
      message: `Remediation is paused on this cluster (by ${at.pause.by} at ${at.pause.at}); run 'cni-doctor resume' first.`,
    };
  }
  const allowed = at.dryRun ? ["pending", "approved"] : ["approved"];
  if (!allowed.includes(run.state)) return stateRefusal(run);
  if (run.policyViolations.length > 0)
    return { reason: "policy-violation", message: run.policyViolations.join(" ") };
  if (run.plan.nothingToDo) return { reason: "nothing-to-do", message: `Run ${id}'s plan changes nothing.` };
  if (at.now.getTime() >= Date.parse(run.expiresAt)) {
    return {
      reason: "expired",
      message: `Run ${id}'s approval expired at ${run.expiresAt}; it was not started. Diagnose again for a fresh plan.`,
      ...(at.dryRun ? {} : { closeAsExpired: `approval expired at ${run.expiresAt} before the run started` }),
    };
  }
  return null;
}

function stateRefusal(run: RunRecord): Refusal {
  const { id } = run;
  if (run.state === "pending")
    return {
      reason: "not-approved",
      message: `Run ${id} has ${run.approvals.length} of ${run.quorum} approvals; it cannot run yet.`,
    };
  if (run.state === "expired")
    return {
      reason: "expired",
      message: `Run ${id}'s approval expired at ${run.expiresAt}. Diagnose again for a fresh plan.`,
    };
  if (run.state === "superseded")
    return {
      reason: "drift",
      message: `Run ${id} was superseded: the cluster changed after it was planned.`,
    };
  return { reason: "already-executed", message: `Run ${id} is ${run.state}; a plan runs at most once.` };
}

/**
 * The drift check: the cluster may have changed since the plan was approved, so it is planned again from a fresh
 * diagnosis. A different digest is drift, unless the fresh diagnosis could not see everything: a check that failed is
 * no proof the cluster changed, so the run is kept and the failure said.
 */
export function driftRefusal(run: RunRecord, fresh: Diagnosis, newPlan: Plan): Refusal | null {
  if (newPlan.digest === run.plan.digest) return null;
  const { id } = run;
  if (fresh.errors.length > 0) {
    const failures = fresh.errors
      .slice(0, 3)
      .map((e) => `${e.operation}: ${e.failure}`)
      .join("; ");
    const more = fresh.errors.length > 3 ? ` and ${fresh.errors.length - 3} more` : "";
    return {
      reason: "incomplete-check",
      message: `Run ${id} was not started: the check before running it could not see everything it needs (${failures}${more}). Nothing was changed. Fix that (e.g. make the node reachable again) and diagnose again.`,
    };
  }
  return {
    reason: "drift",
    message: `The cluster changed since run ${id} was approved: its plan ${run.plan.digest} no longer matches the cluster (now ${newPlan.digest}). Nothing was changed; approve the new plan.`,
    newPlan,
  };
}
