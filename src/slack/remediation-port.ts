/**
 * What the Slack front end asks of remediation, per cluster: the RemediationService's public API (src/remediation),
 * named here so the bot depends on the calls it makes and nothing else. Slack decides nothing about approval: it maps
 * a click to an Actor and passes it on; the service decides at click time.
 */
import type { Diagnosis } from "../diagnosis/index.ts";
import type {
  Actor,
  ApprovalOutcome,
  ProgressReporter,
  ProposedRun,
  RejectOutcome,
  RunOrigin,
  RunResult,
  RunSummary,
} from "../remediation/run.ts";

/** Where a run was asked for: kept in the run journal so a restarted bot can report into the same thread. */
export type { RunOrigin } from "../remediation/run.ts";

export interface RemediationPort {
  propose(diagnosis: Diagnosis, options: { requestedBy: Actor; origin?: RunOrigin }): Promise<ProposedRun>;
  approve(runId: string, approver: Actor): Promise<ApprovalOutcome>;
  reject(runId: string, by: Actor): Promise<RejectOutcome>;
  execute(runId: string, reporter: ProgressReporter, options: { dryRun: boolean }): Promise<RunResult>;
  stop(runId: string, by: Actor): Promise<{ status: string; message: string }>;
  pause(by: Actor): Promise<void>;
  resume(by: Actor): Promise<void>;
  isPaused(): Promise<boolean>;
  recentRuns(): Promise<RunSummary[]>;
  /** Shutdown: running runs end after their current step; journaled at once. */
  stopForShutdown(reason: string): Promise<void>;
}
