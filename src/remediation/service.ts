/**
 * The remediation service: one per cluster. Front ends (the CLI, the Slack bot) call it; it owns the approval gate,
 * the journal, the Lease and the kill switch, and hands approved plans to the runner. Every write it makes goes
 * through a plan approved for its exact digest, re-checked against a fresh diagnosis just before it runs.
 */
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import type { KubeConfig } from "@kubernetes/client-node";
import type { Logger } from "pino";
import type { RemediationPolicy } from "../config.ts";
import type { Diagnosis } from "../diagnosis/index.ts";
import { diagnoseCluster } from "../diagnosis/index.ts";
import type { ClusterReader } from "../kube/reader.ts";
import type { ClusterWriter } from "../kube/writer.ts";
import type { NodeShell } from "../nodes/index.ts";
import { approverKey, decideApproval, isListedApprover, sameActor } from "./approval-gate.ts";
import { RunAudit } from "./audit.ts";
import { RunJournal } from "./journal.ts";
import { KillSwitch } from "./kill-switch.ts";
import { ClusterLease } from "./lease.ts";
import { type Plan, planRemediation } from "./plan.ts";
import { isControlPlaneNode, policyViolations } from "./policy.ts";
import {
  type Actor,
  type ApprovalOutcome,
  actorName,
  FINAL_STATES,
  type ProgressReporter,
  type ProposedRun,
  type RejectOutcome,
  type RunOrigin,
  type RunRecord,
  type RunResult,
  type RunSummary,
  reportSafely,
  runStartedEvent,
  stepStartedEvent,
  summarizeRun,
} from "./run.ts";
import { runPlan } from "./runner.ts";
import type { RemediationDeps } from "./steps/context.ts";

export interface RemediationServiceDeps {
  reader: ClusterReader;
  writer: ClusterWriter;
  kubeConfig: KubeConfig;
  nodeShell: NodeShell;
  policy: RemediationPolicy;
  logger: Logger;
  clock?: () => Date;
  /** Names this process in the Lease; defaults to host/pid/random. */
  instanceId?: string;
  /** Diagnoses again for the drift check and verification; defaults to diagnoseCluster with the node shell. */
  diagnose?: (scope: Diagnosis["scope"]) => Promise<Diagnosis>;
}

/** A request the service will not carry out (who may not, or the run's state forbids it). */
export class RemediationRefused extends Error {
  override name = "RemediationRefused";
}

export class RemediationService {
  readonly #deps: RemediationDeps;
  readonly #logger: Logger;
  readonly #journal: RunJournal;
  readonly #killSwitch: KillSwitch;
  readonly #lease: ClusterLease;
  readonly #instanceId: string;
  /** Runs this process is executing now, so a shutdown can mark them in the journal. */
  readonly #executing = new Set<string>();
  #shutdownReason: string | null = null;

  constructor(deps: RemediationServiceDeps) {
    const now = deps.clock ?? (() => new Date());
    this.#deps = {
      reader: deps.reader,
      writer: deps.writer,
      kubeConfig: deps.kubeConfig,
      nodeShell: deps.nodeShell,
      policy: deps.policy,
      now,
      diagnose:
        deps.diagnose ??
        ((scope) =>
          diagnoseCluster(deps.reader, {
            scope: { namespace: scope.namespace ?? undefined, node: scope.node ?? undefined },
            nodeReader: deps.nodeShell,
            now,
          })),
    };
    this.#logger = deps.logger;
    this.#journal = new RunJournal(deps.writer, deps.policy.namespace);
    this.#killSwitch = new KillSwitch(deps.writer, deps.policy.namespace);
    this.#lease = new ClusterLease(deps.writer, deps.policy.namespace, deps.policy.leaseDurationSeconds, now);
    this.#instanceId = deps.instanceId ?? `${hostname()}/${process.pid}/${randomBytes(4).toString("hex")}`;
  }

  get policy(): RemediationPolicy {
    return this.#deps.policy;
  }

  /** The plan for a diagnosis, with the exact command lines this service's node shell would send. */
  async plan(diagnosis: Diagnosis, options: { includeBarePods?: boolean } = {}): Promise<Plan> {
    const nodes = [...new Set(diagnosis.findings.flatMap((f) => f.nodes))];
    const ips = new Map<string, string | undefined>();
    for (const node of nodes) {
      const n = await this.#deps.reader.getNode(node);
      ips.set(node, n?.status?.addresses?.find((a) => a.type === "InternalIP")?.address);
    }
    return planRemediation(diagnosis, {
      includeBarePods: options.includeBarePods ?? false,
      backupRoot: this.#deps.policy.backupRoot,
      renderCommand: (node, template) => this.#deps.nodeShell.commandLine(node, ips.get(node), template),
    });
  }

  async propose(
    diagnosis: Diagnosis,
    options: { requestedBy: Actor; includeBarePods?: boolean; origin?: RunOrigin },
  ): Promise<ProposedRun> {
    await this.#journal.ensureReady();
    const includeBarePods = options.includeBarePods ?? false;
    const plan = await this.plan(diagnosis, { includeBarePods });
    const controlPlane = new Set<string>();
    for (const node of plan.blastRadius.nodes) {
      const n = await this.#deps.reader.getNode(node);
      if (isControlPlaneNode(n?.metadata?.labels)) controlPlane.add(node);
    }
    const violations = policyViolations(plan, this.#deps.policy, controlPlane);
    const now = this.#deps.now();
    const record: RunRecord = {
      id: RunJournal.newRunId(now),
      cluster: diagnosis.cluster,
      state: "pending",
      plan,
      requestedBy: options.requestedBy,
      requestedAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + this.#deps.policy.approvalTtlMs).toISOString(),
      includeBarePods,
      policyViolations: violations,
      approvals: [],
      quorum: this.#deps.policy.quorum,
      rejectedBy: null,
      stopRequested: null,
      execution: null,
      steps: [],
      rollbacks: [],
      verification: null,
      outcome: null,
      supersededBy: null,
      origin: options.origin ?? null,
    };
    await this.#journal.create(record);
    this.#audit(record).runLog("info", `remediation proposed by ${actorName(options.requestedBy)}`, {
      nodes: plan.blastRadius.nodes,
      pods: plan.blastRadius.pods,
      policyViolations: violations,
      expiresAt: record.expiresAt,
    });
    return {
      run: summarizeRun(record),
      plan,
      policyViolations: violations,
      expiresAt: record.expiresAt,
      quorum: record.quorum,
    };
  }

  async approve(runId: string, approver: Actor): Promise<ApprovalOutcome> {
    const now = this.#deps.now();
    const policy = this.#deps.policy;
    const updated = await this.#journal.update<ApprovalOutcome>(runId, (r) => {
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
    });
    if (!updated)
      return {
        status: "refused",
        reason: "not-found",
        run: null,
        message: `No run ${runId} in the journal.`,
      };
    this.#audit(updated.record).runLog(
      updated.result.status === "refused" ? "warn" : "info",
      `approval by ${actorName(approver)}: ${updated.result.status}`,
      {
        approver: approverKey(approver),
        outcome: updated.result.message,
      },
    );
    return updated.result;
  }

  async reject(runId: string, by: Actor): Promise<RejectOutcome> {
    const now = this.#deps.now();
    if (!isListedApprover(by, this.#deps.policy.approvers)) {
      const r = await this.#journal.get(runId);
      return {
        status: "refused",
        reason: "not-an-approver",
        run: r ? summarizeRun(r) : null,
        message: `${approverKey(by)} may not reject fixes (not in CNI_DOCTOR_APPROVERS).`,
      };
    }
    const updated = await this.#journal.update<RejectOutcome>(runId, (r) => {
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
    });
    if (!updated)
      return {
        status: "refused",
        reason: "not-found",
        run: null,
        message: `No run ${runId} in the journal.`,
      };
    this.#audit(updated.record).runLog("info", updated.result.message);
    return updated.result;
  }

  async execute(
    runId: string,
    reporter: ProgressReporter,
    opts: { dryRun?: boolean } = {},
  ): Promise<RunResult> {
    const dryRun = opts.dryRun ?? false;
    const refuse = (
      reason: Extract<RunResult, { status: "refused" }>["reason"],
      message: string,
      newPlan?: Plan,
    ): RunResult => {
      this.#logger.warn({ runId, reason }, `remediation refused: ${message}`);
      return { status: "refused", runId, reason, message, ...(newPlan ? { newPlan } : {}) };
    };
    const run = await this.#journal.get(runId);
    if (!run) return refuse("not-found", `No run ${runId} in the journal.`);
    if (!dryRun) {
      const pause = await this.#killSwitch.state();
      if (pause.paused)
        return refuse(
          "paused",
          `Remediation is paused on this cluster (by ${pause.by} at ${pause.at}); run 'cni-doctor resume' first.`,
        );
    }
    const allowed = dryRun ? ["pending", "approved"] : ["approved"];
    if (!allowed.includes(run.state)) {
      if (run.state === "pending")
        return refuse(
          "not-approved",
          `Run ${runId} has ${run.approvals.length} of ${run.quorum} approvals; it cannot run yet.`,
        );
      if (run.state === "expired")
        return refuse(
          "expired",
          `Run ${runId}'s approval expired at ${run.expiresAt}. Diagnose again for a fresh plan.`,
        );
      if (run.state === "superseded")
        return refuse("drift", `Run ${runId} was superseded: the cluster changed after it was planned.`);
      return refuse("already-executed", `Run ${runId} is ${run.state}; a plan runs at most once.`);
    }
    if (run.policyViolations.length > 0) return refuse("policy-violation", run.policyViolations.join(" "));
    if (run.plan.nothingToDo) return refuse("nothing-to-do", `Run ${runId}'s plan changes nothing.`);
    if (this.#deps.now().getTime() >= Date.parse(run.expiresAt)) {
      if (!dryRun)
        await this.#close(
          runId,
          "approved",
          "expired",
          `approval expired at ${run.expiresAt} before the run started`,
        );
      return refuse(
        "expired",
        `Run ${runId}'s approval expired at ${run.expiresAt}; it was not started. Diagnose again for a fresh plan.`,
      );
    }

    // The cluster may have changed since the plan was approved: plan again from a fresh diagnosis.
    const fresh = await this.#deps.diagnose(run.plan.scope);
    const newPlan = await this.plan(fresh, { includeBarePods: run.includeBarePods });
    if (newPlan.digest !== run.plan.digest && fresh.errors.length > 0) {
      // A check that could not see a node or a list is no proof the cluster changed: say what failed, keep the run.
      const failures = fresh.errors
        .slice(0, 3)
        .map((e) => `${e.operation}: ${e.failure}`)
        .join("; ");
      const more = fresh.errors.length > 3 ? ` and ${fresh.errors.length - 3} more` : "";
      return refuse(
        "incomplete-check",
        `Run ${runId} was not started: the check before running it could not see everything it needs (${failures}${more}). Nothing was changed. Fix that (e.g. make the node reachable again) and diagnose again.`,
      );
    }
    if (newPlan.digest !== run.plan.digest) {
      if (!dryRun) {
        await this.#journal.update(runId, (r) =>
          r.state === "approved"
            ? {
                record: {
                  ...r,
                  state: "superseded",
                  supersededBy: { digest: newPlan.digest },
                  outcome: `superseded: the cluster changed; new plan ${newPlan.digest}`,
                },
                result: undefined,
              }
            : { declined: undefined },
        );
      }
      return refuse(
        "drift",
        `The cluster changed since run ${runId} was approved: its plan ${run.plan.digest} no longer matches the cluster (now ${newPlan.digest}). Nothing was changed; approve the new plan.`,
        newPlan,
      );
    }

    if (dryRun) return this.#dryRun(run, reporter);

    const lease = await this.#lease.acquire(this.#instanceId, runId);
    if (!lease.acquired) {
      return refuse(
        "busy",
        `Another run${lease.heldBy.runId ? ` (${lease.heldBy.runId})` : ""} holds this cluster's lease (${lease.heldBy.holder}) until ${lease.heldBy.expiresAt.toISOString()}; one run at a time.`,
      );
    }
    let leaseLost = false;
    const renewEvery = Math.max(200, (this.#deps.policy.leaseDurationSeconds * 1000) / 3);
    const renewal = setInterval(() => {
      this.#lease.renew(this.#instanceId, runId).then(
        (ok) => {
          if (!ok) leaseLost = true;
        },
        (err: unknown) => {
          // Retried at the next tick; the lease lapses only after leaseDurationSeconds. Logged so a missing
          // permission or an unreachable API server shows before the lease is lost.
          this.#logger.warn({ runId, err: (err as Error).message }, "could not renew the remediation lease");
        },
      );
    }, renewEvery);
    try {
      const startedAt = this.#deps.now().toISOString();
      const claimed = await this.#journal.update<boolean>(runId, (r) =>
        r.state === "approved"
          ? {
              record: {
                ...r,
                state: "running",
                execution: {
                  executor: this.#instanceId,
                  startedAt,
                  finishedAt: null,
                  heartbeatAt: startedAt,
                },
              },
              result: true,
            }
          : { declined: false },
      );
      if (!claimed?.applied)
        return refuse("already-executed", `Run ${runId} was started elsewhere; a plan runs at most once.`);
      const record = claimed.record;
      this.#executing.add(runId);
      const audit = this.#audit(record);
      audit.runLog("info", "remediation run started");
      await reportSafely(reporter, runStartedEvent(record, false));
      let outcome: Awaited<ReturnType<typeof runPlan>>;
      try {
        outcome = await runPlan({
          deps: this.#deps,
          run: record,
          audit,
          reporter,
          stopReason: async () => {
            if (this.#shutdownReason) return this.#shutdownReason;
            if (leaseLost) return "this runner lost the cluster's lease";
            const pause = await this.#killSwitch.state();
            if (pause.paused) return `the kill switch was turned on by ${pause.by}`;
            const current = await this.#journal.get(runId);
            return current?.stopRequested
              ? `stop requested by ${actorName(current.stopRequested.actor)}`
              : null;
          },
        });
      } catch (err) {
        outcome = {
          status: "failed",
          message: `the runner failed unexpectedly: ${(err as Error).message}`,
          steps: [],
          rollbacks: [],
          verification: null,
        };
      }
      const finishedAt = this.#deps.now().toISOString();
      await this.#journal.update(runId, (r) => ({
        record: {
          ...r,
          state: outcome.status,
          outcome: outcome.message,
          verification: outcome.verification,
          execution: r.execution ? { ...r.execution, finishedAt, heartbeatAt: finishedAt } : null,
        },
        result: undefined,
      }));
      audit.runLog(
        outcome.status === "succeeded" ? "info" : "warn",
        `remediation run ${outcome.status}: ${outcome.message}`,
      );
      for (const node of record.plan.blastRadius.nodes) {
        await audit.nodeEvent(
          node,
          outcome.status === "succeeded" ? "Normal" : "Warning",
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
      return {
        status: outcome.status,
        runId,
        message: outcome.message,
        steps: outcome.steps,
        rollbacks: outcome.rollbacks,
        verification: outcome.verification,
      };
    } finally {
      this.#executing.delete(runId);
      clearInterval(renewal);
      await this.#lease.release(this.#instanceId).catch((err: unknown) => {
        // The run is over either way; an unreleased lease only delays the next run until it lapses.
        this.#logger.warn(
          { runId, err: (err as Error).message },
          `could not release the remediation lease; the next run waits until it lapses (${this.#deps.policy.leaseDurationSeconds}s)`,
        );
      });
    }
  }

  /**
   * The process is stopping (SIGTERM): each run it is executing ends after its current step, rolling back a
   * half-done node, exactly as a person's stop does; a run claimed later stops before its first step. The stop is
   * written to each run's journal record at once, so it is on record even if the process is killed before the step
   * ends. Resolves when the journal is written, not when the runs have ended (the job drain waits for those).
   */
  async stopForShutdown(reason: string): Promise<void> {
    this.#shutdownReason ??= reason;
    const by: Actor = { id: this.#instanceId, displayName: "cni-doctor shutdown", via: "process" };
    const at = this.#deps.now().toISOString();
    await Promise.all(
      [...this.#executing].map(async (runId) => {
        try {
          const updated = await this.#journal.update(runId, (r) =>
            r.state === "running" && !r.stopRequested
              ? { record: { ...r, stopRequested: { actor: by, at } }, result: undefined }
              : { declined: undefined },
          );
          if (updated?.applied)
            this.#audit(updated.record).runLog(
              "warn",
              `stop requested: ${reason}; ending after the current step`,
            );
        } catch (err) {
          // The runner still stops at the next step boundary; only the early record is missing.
          this.#logger.warn({ runId, err: (err as Error).message }, "could not journal the shutdown stop");
        }
      }),
    );
  }

  /** Ends a run after its current step (rolling back a half-done node); a run not yet started is closed at once. */
  async stop(runId: string, by: Actor): Promise<void> {
    const now = this.#deps.now().toISOString();
    const updated = await this.#journal.update<string>(runId, (r) => {
      if (!isListedApprover(by, this.#deps.policy.approvers) && !sameActor(by, r.requestedBy)) {
        return {
          declined: `${approverKey(by)} may not stop run ${runId}: only approvers and the requester may.`,
        };
      }
      if (FINAL_STATES.has(r.state)) return { declined: `Run ${runId} is already ${r.state}.` };
      if (r.state === "running")
        return { record: { ...r, stopRequested: { actor: by, at: now } }, result: "requested" };
      return {
        record: {
          ...r,
          state: "stopped",
          stopRequested: { actor: by, at: now },
          outcome: `stopped before it started by ${actorName(by)}`,
        },
        result: "closed",
      };
    });
    if (!updated) throw new RemediationRefused(`No run ${runId} in the journal.`);
    if (!updated.applied && updated.result.includes("may not")) throw new RemediationRefused(updated.result);
    this.#audit(updated.record).runLog(
      "warn",
      `stop ${updated.applied ? updated.result : "ignored"} by ${actorName(by)}`,
    );
  }

  /** Kill switch on: no run starts, running ones stop after their current step. Anyone who can reach the service may pull it. */
  async pause(by: Actor): Promise<void> {
    await this.#journal.ensureReady();
    await this.#killSwitch.set(true, by, this.#deps.now());
    this.#logger.warn(
      { by: actorName(by), cluster: this.#deps.reader.identity.context },
      "remediation paused (kill switch on)",
    );
  }

  /** Kill switch off; only an approver may turn remediation back on. */
  async resume(by: Actor): Promise<void> {
    if (!isListedApprover(by, this.#deps.policy.approvers)) {
      throw new RemediationRefused(
        `${approverKey(by)} may not resume remediation: only approvers in CNI_DOCTOR_APPROVERS may.`,
      );
    }
    await this.#killSwitch.set(false, by, this.#deps.now());
    this.#logger.info(
      { by: actorName(by), cluster: this.#deps.reader.identity.context },
      "remediation resumed (kill switch off)",
    );
  }

  async isPaused(): Promise<boolean> {
    return (await this.#killSwitch.state()).paused;
  }

  /**
   * Runs in progress and recent ones, newest first. A run journaled as running whose runner no longer holds the
   * cluster's lease died mid-run: it is marked interrupted here, with the step it was in and where the backups are.
   */
  async recentRuns(): Promise<RunSummary[]> {
    await this.#journal.ensureReady();
    const records = await this.#journal.recent();
    const holder = await this.#lease.holder();
    const now = this.#deps.now();
    const out: RunSummary[] = [];
    for (const r of records) {
      let current = r;
      if (r.state === "running" && holder?.runId !== r.id) {
        const summary = summarizeRun(r);
        const backups = summary.backups.map((b) => `${b.node}:${b.dir}`).join(", ");
        const message = `interrupted: the runner stopped (its lease lapsed) during ${summary.lastStep ?? "its first step"}${backups ? `; moved files, if any, are in ${backups}` : ""}. Diagnose again before another fix.`;
        current = (await this.#close(r.id, "running", "interrupted", message)) ?? r;
        this.#audit(current).runLog("warn", `remediation run ${message}`);
      } else if (
        (r.state === "pending" || r.state === "approved") &&
        now.getTime() >= Date.parse(r.expiresAt)
      ) {
        current =
          (await this.#close(r.id, r.state, "expired", `approval window closed at ${r.expiresAt}`)) ?? r;
      }
      out.push(summarizeRun(current));
    }
    return out;
  }

  async #dryRun(run: RunRecord, reporter: ProgressReporter): Promise<RunResult> {
    const plan = run.plan;
    await reportSafely(reporter, runStartedEvent(run, true));
    for (const [index, step] of plan.steps.entries()) {
      await reportSafely(reporter, stepStartedEvent(run.id, index, step));
      await reportSafely(reporter, {
        type: "step-finished",
        runId: run.id,
        index,
        kind: step.kind,
        node: step.node ?? null,
        status: "skipped",
        durationMs: 0,
        output: ["dry run: not executed"],
        error: null,
      });
    }
    const message = `Dry run: ${plan.steps.length} steps shown, nothing changed.`;
    await reportSafely(reporter, {
      type: "run-finished",
      runId: run.id,
      status: "dry-run",
      message,
      verification: null,
    });
    return { status: "dry-run", runId: run.id, message, plan };
  }

  async #close(
    runId: string,
    from: RunRecord["state"],
    to: RunRecord["state"],
    outcome: string,
  ): Promise<RunRecord | null> {
    const updated = await this.#journal.update(runId, (r) =>
      r.state === from
        ? { record: { ...r, state: to, outcome }, result: undefined }
        : { declined: undefined },
    );
    return updated?.record ?? null;
  }

  #audit(record: RunRecord): RunAudit {
    return new RunAudit(record, {
      journal: this.#journal,
      writer: this.#deps.writer,
      logger: this.#logger,
      nodeUid: async (node) => (await this.#deps.reader.getNode(node))?.metadata?.uid,
    });
  }
}
