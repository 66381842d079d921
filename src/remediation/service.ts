/**
 * The remediation service: one per cluster. Front ends (the CLI, the Slack bot) call it; it owns the approval gate,
 * the journal, the Lease and the kill switch (and who may use it), and hands approved runs to its RunExecutor
 * (execution.ts). Every write goes through a plan approved for its exact digest, re-checked against a fresh diagnosis
 * just before it runs.
 */
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import type { Logger } from "pino";
import type { RemediationPolicy } from "../config.ts";
import type { Diagnosis } from "../diagnosis/index.ts";
import { diagnoseCluster } from "../diagnosis/index.ts";
import type { ClusterReader } from "../kube/reader.ts";
import type { PodWatcher } from "../kube/wait.ts";
import type { ClusterWriter } from "../kube/writer.ts";
import type { NodeWriter } from "../nodes/index.ts";
import { approverKey, isListedApprover, killSwitchRefusal, sameActor } from "./approval-gate.ts";
import { RunAudit } from "./audit.ts";
import { approvalTransition, rejectTransition } from "./decisions.ts";
import { RunExecutor } from "./execution.ts";
import { RunJournal } from "./journal.ts";
import { KillSwitch } from "./kill-switch.ts";
import { ClusterLease } from "./lease.ts";
import { type Plan, planRemediation } from "./plan.ts";
import { isControlPlaneNode, policyViolations } from "./policy.ts";
import { type RestoreOutcome, restoreRun } from "./restore-run.ts";
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
  summarizeRun,
} from "./run.ts";
import type { RemediationDeps } from "./steps/context.ts";

export interface RemediationServiceDeps {
  reader: ClusterReader;
  writer: ClusterWriter;
  /** Waits on pods through the API server (the replacement agent, the recreated pods). */
  pods: PodWatcher;
  /** The only node access that may change a node: handed to approved runs alone. */
  nodeWriter: NodeWriter;
  policy: RemediationPolicy;
  logger: Logger;
  clock?: () => Date;
  /** Names this process in the Lease; defaults to host/pid/random. */
  instanceId?: string;
  /** Diagnoses again for the drift check and verification; defaults to diagnoseCluster reading the nodes through the writer (wrapped read-only). */
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
  readonly #executor: RunExecutor;

  constructor(deps: RemediationServiceDeps) {
    const now = deps.clock ?? (() => new Date());
    this.#deps = {
      reader: deps.reader,
      writer: deps.writer,
      pods: deps.pods,
      nodeWriter: deps.nodeWriter,
      policy: deps.policy,
      now,
      diagnose:
        deps.diagnose ??
        ((scope) =>
          diagnoseCluster(deps.reader, {
            scope: { namespace: scope.namespace ?? undefined, node: scope.node ?? undefined },
            nodeReader: deps.nodeWriter,
            now,
          })),
    };
    this.#logger = deps.logger;
    this.#journal = new RunJournal(deps.writer, deps.policy.namespace);
    this.#killSwitch = new KillSwitch(deps.writer, deps.policy.namespace);
    this.#lease = new ClusterLease(deps.writer, deps.policy.namespace, deps.policy.leaseDurationSeconds, now);
    this.#instanceId = deps.instanceId ?? `${hostname()}/${process.pid}/${randomBytes(4).toString("hex")}`;
    this.#executor = new RunExecutor({
      deps: this.#deps,
      logger: this.#logger,
      journal: this.#journal,
      killSwitch: this.#killSwitch,
      lease: this.#lease,
      instanceId: this.#instanceId,
      audit: (record) => this.#audit(record),
      plan: (diagnosis, options) => this.plan(diagnosis, options),
    });
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
      renderCommand: (node, template) => this.#deps.nodeWriter.commandLine(node, ips.get(node), template),
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
    const updated = await this.#journal.update(runId, approvalTransition(approver, policy, now));
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
    const updated = await this.#journal.update(runId, rejectTransition(runId, by, now));
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

  /** Runs an approved plan (see RunExecutor.execute); a dry run only reports the steps. */
  execute(runId: string, reporter: ProgressReporter, opts: { dryRun?: boolean } = {}): Promise<RunResult> {
    return this.#executor.execute(runId, reporter, opts);
  }

  /** Puts back files an interrupted or failed run left moved (restore-run.ts); a write, behind the policy. */
  restore(runId: string, by: Actor, options: { node?: string | undefined } = {}): Promise<RestoreOutcome> {
    const parts = { deps: this.#deps, logger: this.#logger, journal: this.#journal, lease: this.#lease };
    const more = { instanceId: this.#instanceId, audit: (r: RunRecord) => this.#audit(r) };
    return restoreRun({ ...parts, ...more, refreshRuns: () => this.recentRuns() }, runId, by, options);
  }

  /** A run's plan and origin from the journal: what a restarted bot needs to report a run it did not propose. */
  async planOf(runId: string): Promise<{ plan: Plan; origin: RunOrigin | null } | null> {
    const r = await this.#journal.get(runId);
    return r ? { plan: r.plan, origin: r.origin ?? null } : null;
  }

  /** The process is stopping (SIGTERM); see RunExecutor.stopForShutdown. */
  stopForShutdown(reason: string): Promise<void> {
    return this.#executor.stopForShutdown(reason);
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

  /**
   * Kill switch on: no run starts, running ones stop after their current step. Only an approver may pull it, from any
   * front end (a switch anyone could pull would let anyone block a fix the approvers agreed on).
   */
  async pause(by: Actor): Promise<void> {
    this.#mustBeAllowedToSwitch(by, "pause");
    await this.#journal.ensureReady();
    await this.#killSwitch.set(true, by, this.#deps.now());
    this.#logger.warn(
      { by: actorName(by), cluster: this.#deps.reader.identity.context },
      "remediation paused (kill switch on)",
    );
  }

  /** Kill switch off; only an approver may turn remediation back on, as only one may pull it. */
  async resume(by: Actor): Promise<void> {
    this.#mustBeAllowedToSwitch(by, "resume");
    await this.#killSwitch.set(false, by, this.#deps.now());
    this.#logger.info(
      { by: actorName(by), cluster: this.#deps.reader.identity.context },
      "remediation resumed (kill switch off)",
    );
  }

  #mustBeAllowedToSwitch(by: Actor, action: "pause" | "resume"): void {
    const refusal = killSwitchRefusal(by, action, this.#deps.policy.approvers);
    if (refusal) throw new RemediationRefused(refusal);
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
        current = (await this.#journal.close(r.id, "running", "interrupted", message)) ?? r;
        this.#audit(current).runLog("warn", `remediation run ${message}`);
      } else if (
        (r.state === "pending" || r.state === "approved") &&
        now.getTime() >= Date.parse(r.expiresAt)
      ) {
        current =
          (await this.#journal.close(r.id, r.state, "expired", `approval window closed at ${r.expiresAt}`)) ??
          r;
      }
      out.push(summarizeRun(current));
    }
    return out;
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
