/**
 * Carrying out an approved run, apart from proposing and approving it: pure pre-flight checks (preflight.ts), a drift
 * check against a fresh diagnosis, then, holding the cluster's lease, the journal claim (a plan runs at most once),
 * the runner, and the wrap-up in the journal, the log, node Events and the progress report.
 */
import type { Logger } from "pino";
import type { Diagnosis } from "../diagnosis/model.ts";
import type { RunAudit } from "./audit.ts";
import { dryRun } from "./dry-run.ts";
import type { RunJournal } from "./journal.ts";
import type { KillSwitch } from "./kill-switch.ts";
import type { ClusterLease, HeldLease, LeaseHooks } from "./lease.ts";
import type { Plan } from "./plan.ts";
import { driftRefusal, preflightRefusal, type Refusal } from "./preflight.ts";
import {
  type Actor,
  actorName,
  type ProgressReporter,
  type RunRecord,
  type RunResult,
  reportSafely,
  runStartedEvent,
} from "./run.ts";
import { type RunnerOutcome, runPlan } from "./runner.ts";
import type { RemediationDeps } from "./steps/context.ts";

/** What the executor shares with the service that owns it. */
export interface ExecutionParts {
  deps: RemediationDeps;
  logger: Logger;
  journal: RunJournal;
  killSwitch: KillSwitch;
  lease: ClusterLease;
  /** Names this process in the Lease and the journal. */
  instanceId: string;
  audit: (record: RunRecord) => RunAudit;
  /** The plan for a diagnosis, exactly as the service proposes it (same renderer, same options). */
  plan: (diagnosis: Diagnosis, options: { includeBarePods?: boolean }) => Promise<Plan>;
}

export class RunExecutor {
  readonly #parts: ExecutionParts;
  /** Runs this process is executing now, so a shutdown can mark them in the journal. */
  readonly #executing = new Set<string>();
  #shutdownReason: string | null = null;
  /** The run this process is executing on the cluster (the in-process lock), or null. */
  #running: string | null = null;

  constructor(parts: ExecutionParts) {
    this.#parts = parts;
  }

  /**
   * Runs an approved plan: the pre-flight checks, a drift check against a fresh diagnosis, then, holding the cluster's
   * lease, the journal claim (so a plan runs at most once) and the run.
   */
  async execute(
    runId: string,
    reporter: ProgressReporter,
    opts: { dryRun?: boolean } = {},
  ): Promise<RunResult> {
    const isDryRun = opts.dryRun ?? false;
    if (isDryRun) return this.#checked(runId, reporter, true);
    // One run at a time per cluster in this process, taken before anything else: two executes here (two approvers
    // clicking at once) must neither drift-check a plan another run is carrying out nor share one Lease holder.
    if (this.#running !== null)
      return this.#refuse(runId, {
        reason: "busy",
        message: `Run ${this.#running} is running on this cluster (in this process); one run at a time.${this.#running === runId ? " This run is already under way." : ""}`,
      });
    this.#running = runId;
    try {
      return await this.#checked(runId, reporter, false);
    } finally {
      this.#running = null;
    }
  }

  /** The pre-flight and drift checks, then (not on a dry run) the run under its lease. */
  async #checked(runId: string, reporter: ProgressReporter, isDryRun: boolean): Promise<RunResult> {
    const run = await this.#parts.journal.get(runId);
    if (!run) return this.#refuse(runId, { reason: "not-found", message: `No run ${runId} in the journal.` });
    const pause = isDryRun ? null : await this.#parts.killSwitch.state();
    const refusal =
      preflightRefusal(run, { dryRun: isDryRun, pause, now: this.#parts.deps.now() }) ??
      (await this.#driftCheck(run, isDryRun));
    if (refusal) return this.#refuse(runId, refusal);
    if (isDryRun) return dryRun(run, reporter);
    return this.#executeLeased(runId, reporter);
  }

  /** The lease, held by this run alone (holder `instance/runId`), then the journal claim and the run. */
  async #executeLeased(runId: string, reporter: ProgressReporter): Promise<RunResult> {
    const leased = await this.#parts.lease.withLease(
      `${this.#parts.instanceId}/${runId}`,
      runId,
      this.#leaseHooks(runId),
      async (lease) => {
        const record = await this.#parts.journal.claim(
          runId,
          this.#parts.instanceId,
          this.#parts.deps.now().toISOString(),
        );
        if (!record)
          return this.#refuse(runId, {
            reason: "already-executed",
            message: `Run ${runId} was started elsewhere; a plan runs at most once.`,
          });
        return this.#run(record, reporter, lease);
      },
    );
    if (leased.acquired) return leased.value;
    const { heldBy } = leased;
    return this.#refuse(runId, {
      reason: "busy",
      message: `Another run${heldBy.runId ? ` (${heldBy.runId})` : ""} holds this cluster's lease (${heldBy.holder}) until ${heldBy.expiresAt.toISOString()}; one run at a time.`,
    });
  }

  async #refuse(runId: string, refusal: Refusal): Promise<RunResult> {
    const { reason, message, newPlan } = refusal;
    if (refusal.closeAsExpired)
      await this.#parts.journal.close(runId, "approved", "expired", refusal.closeAsExpired);
    this.#parts.logger.warn({ runId, reason }, `remediation refused: ${message}`);
    return { status: "refused", runId, reason, message, ...(newPlan ? { newPlan } : {}) };
  }

  /** Plans again from a fresh diagnosis; a changed plan supersedes an approved run (not on a dry run). */
  async #driftCheck(run: RunRecord, isDryRun: boolean): Promise<Refusal | null> {
    const fresh = await this.#parts.deps.diagnose(run.plan.scope);
    const newPlan = await this.#parts.plan(fresh, { includeBarePods: run.includeBarePods });
    const refusal = driftRefusal(run, fresh, newPlan);
    if (refusal?.reason === "drift" && !isDryRun) await this.#parts.journal.supersede(run.id, newPlan.digest);
    return refusal;
  }

  #leaseHooks(runId: string): LeaseHooks {
    return {
      // Retried at the next tick; the lease lapses only after leaseDurationSeconds. Logged so a missing permission
      // or an unreachable API server shows before the lease is lost.
      onRenewError: (err) =>
        this.#parts.logger.warn({ runId, err: err.message }, "could not renew the remediation lease"),
      // The run is over either way; an unreleased lease only delays the next run until it lapses.
      onReleaseError: (err) =>
        this.#parts.logger.warn(
          { runId, err: err.message },
          `could not release the remediation lease; the next run waits until it lapses (${this.#parts.deps.policy.leaseDurationSeconds}s)`,
        ),
    };
  }

  /** The run itself, once claimed: the runner, then the journal, the log, node Events and the final report. */
  async #run(record: RunRecord, reporter: ProgressReporter, lease: HeldLease): Promise<RunResult> {
    const runId = record.id;
    this.#executing.add(runId);
    try {
      const audit = this.#parts.audit(record);
      audit.runLog("info", "remediation run started");
      await reportSafely(reporter, runStartedEvent(record, false));
      let outcome: RunnerOutcome;
      try {
        outcome = await runPlan({
          deps: this.#parts.deps,
          run: record,
          audit,
          reporter,
          stopReason: () => this.#stopReason(runId, lease),
        });
      } catch (err) {
        outcome = {
          status: "failed",
          message: `the runner failed unexpectedly: ${(err as Error).message}`,
          steps: [],
          rollbacks: [],
          verification: null,
          stillStuck: [],
        };
      }
      await this.#finish(record, audit, reporter, outcome);
      const { status, message, steps, rollbacks, verification, stillStuck } = outcome;
      return { status, runId, message, steps, rollbacks, verification, stillStuck };
    } finally {
      this.#executing.delete(runId);
    }
  }

  /** Why a running run must stop now, checked between steps: shutdown, a lost lease, the kill switch, a stop request. */
  async #stopReason(runId: string, lease: HeldLease): Promise<string | null> {
    if (this.#shutdownReason) return this.#shutdownReason;
    if (lease.lost()) return "this runner lost the cluster's lease";
    const pause = await this.#parts.killSwitch.state();
    if (pause.paused) return `the kill switch was turned on by ${pause.by}`;
    const current = await this.#parts.journal.get(runId);
    return current?.stopRequested ? `stop requested by ${actorName(current.stopRequested.actor)}` : null;
  }

  async #finish(
    record: RunRecord,
    audit: RunAudit,
    reporter: ProgressReporter,
    outcome: RunnerOutcome,
  ): Promise<void> {
    const runId = record.id;
    await this.#parts.journal.finish(
      runId,
      { state: outcome.status, outcome: outcome.message, verification: outcome.verification },
      this.#parts.deps.now().toISOString(),
    );
    const ok = outcome.status === "succeeded";
    audit.runLog(ok ? "info" : "warn", `remediation run ${outcome.status}: ${outcome.message}`);
    for (const node of record.plan.blastRadius.nodes) {
      await audit.nodeEvent(
        node,
        ok ? "Normal" : "Warning",
        "run-finished",
        `cni-doctor run ${runId} ${outcome.status}: ${outcome.message}`,
      );
    }
    await reportSafely(reporter, {
      type: "run-finished",
      runId,
      status: outcome.status,
      message: outcome.message,
      verification: outcome.verification,
    });
  }

  /**
   * The process is stopping (SIGTERM): each run it is executing ends after its current step, rolling back a
   * half-done node, exactly as a person's stop does; a run claimed later stops before its first step. The stop is
   * written to each run's journal record at once, so it is on record even if the process is killed before the step
   * ends. Resolves when the journal is written, not when the runs have ended (the job drain waits for those).
   */
  async stopForShutdown(reason: string): Promise<void> {
    this.#shutdownReason ??= reason;
    const by: Actor = { id: this.#parts.instanceId, displayName: "cni-doctor shutdown", via: "process" };
    const at = this.#parts.deps.now().toISOString();
    await Promise.all(
      [...this.#executing].map(async (runId) => {
        try {
          const updated = await this.#parts.journal.update(runId, (r) =>
            r.state === "running" && !r.stopRequested
              ? { record: { ...r, stopRequested: { actor: by, at } }, result: undefined }
              : { declined: undefined },
          );
          if (updated?.applied)
            this.#parts
              .audit(updated.record)
              .runLog("warn", `stop requested: ${reason}; ending after the current step`);
        } catch (err) {
          // The runner still stops at the next step boundary; only the early record is missing.
          this.#parts.logger.warn(
            { runId, err: (err as Error).message },
            "could not journal the shutdown stop",
          );
        }
      }),
    );
  }
}
