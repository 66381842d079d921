/**
 * What the Slack front end asks of remediation, per cluster: the RemediationService's public API (src/remediation),
 * named here so the bot depends on the calls it makes and nothing else. Slack decides nothing about approval: it maps
 * a click to an Actor and passes it on; the service decides at click time.
 */
import type { Diagnosis } from "../diagnosis/index.ts";
import type { HalfDoneLook } from "../remediation/half-done.ts";
import type { Plan } from "../remediation/plan.ts";
import type { Actor, RunOrigin as JournalOrigin, RunSummary } from "../remediation/run.ts";
import type { WorkflowRemediation } from "../remediation/workflow.ts";

/** Where a run was asked for: kept in the run journal so a restarted bot can report into the same thread. */
export type { RunOrigin } from "../remediation/run.ts";

/** The workflow's calls (propose, approve, reject, execute), and what the admin flows and a shutdown need. */
export interface RemediationPort extends WorkflowRemediation {
  /** The plan a diagnosis calls for, journaling nothing (whether a card offers Fix…). */
  plan(diagnosis: Diagnosis): Promise<Plan>;
  stop(runId: string, by: Actor): Promise<{ status: string; message: string }>;
  pause(by: Actor): Promise<void>;
  resume(by: Actor): Promise<void>;
  isPaused(): Promise<boolean>;
  recentRuns(): Promise<RunSummary[]>;
  /** Runs that left files moved aside, read without writing (for a diagnosis to point at the restore). */
  halfDoneRuns(): Promise<HalfDoneLook>;
  /** False when another replica (or an earlier start) already took this request: a replay or a re-delivery. */
  claimRequest(requestId: string): Promise<boolean>;
  /** A run's plan and where it was asked for, from the journal (a plan posted before a restart); null if unknown. */
  planOf(runId: string): Promise<{ plan: Plan; origin: JournalOrigin | null } | null>;
  /** Shutdown: running runs end after their current step; journaled at once. */
  stopForShutdown(reason: string): Promise<void>;
}
