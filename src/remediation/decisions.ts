/**
 * The journal transitions of a decision on a pending run: an approval (decided by decideApproval) and a rejection.
 * Pure: each is a function of the current record, re-applied by the journal after a concurrent update.
 */
import type { RemediationPolicy } from "../config.ts";
import { decideApproval } from "./approval-gate.ts";
import type { Transition } from "./journal.ts";
import {
  type Actor,
  type ApprovalOutcome,
  actorName,
  type RejectOutcome,
  type RunRecord,
  summarizeRun,
} from "./run.ts";

export function approvalTransition(
  approver: Actor,
  policy: Pick<RemediationPolicy, "approvers" | "selfApproval">,
  now: Date,
): Transition<ApprovalOutcome> {
  return (r) => {
    const decision = decideApproval(r, approver, policy, now);
    if (decision.kind === "refuse") {
      // An expired pending run is closed for good, so nobody can approve or start it later.
      if (decision.reason === "expired" && r.state === "pending") {
        const record: RunRecord = { ...r, state: "expired", outcome: decision.message };
        return {
          record,
          result: {
            status: "refused",
            reason: "expired",
            run: summarizeRun(record),
            message: decision.message,
          },
        };
      }
      return {
        declined: {
          status: "refused",
          reason: decision.reason,
          run: summarizeRun(r),
          message: decision.message,
        },
      };
    }
    if (decision.kind === "already-approved") {
      return {
        declined: {
          status: "already-approved",
          run: summarizeRun(r),
          approvals: r.approvals.length,
          quorum: r.quorum,
          message: decision.message,
        },
      };
    }
    const record: RunRecord = {
      ...r,
      approvals: [...r.approvals, { actor: approver, at: now.toISOString() }],
      state: decision.quorumReached ? "approved" : r.state,
    };
    const status = decision.quorumReached ? "approved" : "recorded";
    return {
      record,
      result: {
        status,
        run: summarizeRun(record),
        approvals: record.approvals.length,
        quorum: record.quorum,
        message: decision.message,
      },
    };
  };
}

/** Rejects a pending or approved run; the caller has checked that `by` is an approver. */
export function rejectTransition(runId: string, by: Actor, now: Date): Transition<RejectOutcome> {
  return (r) => {
    if (r.state !== "pending" && r.state !== "approved") {
      return {
        declined: {
          status: "refused",
          reason: "not-pending",
          run: summarizeRun(r),
          message: `Run ${runId} is ${r.state}; it can no longer be rejected.`,
        },
      };
    }
    const record: RunRecord = {
      ...r,
      state: "rejected",
      rejectedBy: { actor: by, at: now.toISOString() },
      outcome: `rejected by ${actorName(by)}`,
    };
    return {
      record,
      result: {
        status: "rejected",
        run: summarizeRun(record),
        message: `Run ${runId} rejected by ${actorName(by)}.`,
      },
    };
  };
}
