/**
 * Audit of every run and step in three places: the journal (the run's ConfigMap), a structured log line (pino, with
 * secret-looking fields redacted) and a Kubernetes Event on the Node (reason CNIDoctorRemediation), so
 * `kubectl describe node` shows what cni-doctor did there. An Event that cannot be written is logged and noted in
 * the journal; it does not stop a half-done repair.
 */
import type { Logger } from "pino";
import type { ClusterWriter } from "../kube/writer.ts";
import type { RunJournal } from "./journal.ts";
import type { RollbackRecord, RunRecord, StepRecord } from "./run.ts";
import { actorName } from "./run.ts";
import type { QuarantineRecord } from "./steps/quarantine-cni-config.ts";

export const NODE_EVENT_REASON = "CNIDoctorRemediation";

/** Field names pino blanks wherever they appear in a log line. Nothing should carry them; this is the net. */
export const REDACTED_FIELDS = [
  "token",
  "*.token",
  "password",
  "*.password",
  "privateKey",
  "*.privateKey",
  "authorization",
  "*.authorization",
  "secret",
  "*.secret",
];

export class RunAudit {
  readonly #journal: RunJournal;
  readonly #writer: ClusterWriter;
  readonly #logger: Logger;
  readonly #nodeUid: (node: string) => Promise<string | undefined>;
  readonly #run: RunRecord;

  constructor(
    run: RunRecord,
    deps: {
      journal: RunJournal;
      writer: ClusterWriter;
      logger: Logger;
      nodeUid: (node: string) => Promise<string | undefined>;
    },
  ) {
    this.#run = run;
    this.#journal = deps.journal;
    this.#writer = deps.writer;
    this.#logger = deps.logger;
    this.#nodeUid = deps.nodeUid;
  }

  get #who() {
    return {
      runId: this.#run.id,
      cluster: this.#run.cluster.context,
      digest: this.#run.plan.digest,
      requestedBy: actorName(this.#run.requestedBy),
      approvedBy: this.#run.approvals.map((a) => actorName(a.actor)),
    };
  }

  async step(step: StepRecord): Promise<void> {
    await this.#journal.update(this.#run.id, (r) => ({
      record: {
        ...r,
        steps: [...r.steps.filter((s) => s.index !== step.index), step].sort((a, b) => a.index - b.index),
      },
      result: undefined,
    }));
    this.#logger.info(
      {
        ...this.#who,
        step: step.index + 1,
        kind: step.kind,
        node: step.node,
        status: step.status,
        durationMs: step.durationMs,
        ran: step.ran,
        exitCodes: step.exitCodes,
        error: step.error,
      },
      `remediation step ${step.kind}${step.node ? ` on ${step.node}` : ""}: ${step.status}`,
    );
    if (step.node) {
      const what =
        step.status === "running"
          ? `started ${step.kind}`
          : `${step.kind} ${step.status}${step.durationMs !== null ? ` in ${Math.round(step.durationMs)} ms` : ""}`;
      await this.nodeEvent(
        step.node,
        step.status === "failed" ? "Warning" : "Normal",
        step.kind,
        `cni-doctor run ${this.#run.id} (plan ${this.#run.plan.digest.slice(0, 19)}, requested by ${this.#who.requestedBy}, approved by ${this.#who.approvedBy.join(", ") || "nobody"}): ${what}${step.error ? `: ${step.error}` : ""}${step.status !== "running" && step.ran.length > 0 ? `. Ran: ${step.ran.join(" ; ")} (exit codes ${step.exitCodes.join(",") || "n/a"})` : ""}`,
      );
    }
  }

  /** A node's move, before it runs: what `cni-doctor rollback` needs if the run is cut short. */
  async move(q: QuarantineRecord): Promise<void> {
    await this.#journal.update(this.#run.id, (r) => ({
      record: { ...r, quarantines: [...(r.quarantines ?? []).filter((x) => x.node !== q.node), q] },
      result: undefined,
    }));
  }

  async rollback(rb: RollbackRecord): Promise<void> {
    await this.#journal.update(this.#run.id, (r) => ({
      record: { ...r, rollbacks: [...r.rollbacks, rb] },
      result: undefined,
    }));
    this.#logger.warn(
      { ...this.#who, node: rb.node, ok: rb.ok, restored: rb.restored, displaced: rb.displaced },
      rb.message,
    );
    await this.nodeEvent(rb.node, "Warning", "rollback", `cni-doctor run ${this.#run.id}: ${rb.message}`);
  }

  runLog(level: "info" | "warn", message: string, extra: Record<string, unknown> = {}): void {
    this.#logger[level]({ ...this.#who, ...extra }, message);
  }

  async nodeEvent(node: string, type: "Normal" | "Warning", action: string, message: string): Promise<void> {
    try {
      await this.#writer.createNodeEvent({
        node: { name: node, uid: await this.#nodeUid(node) },
        type,
        reason: NODE_EVENT_REASON,
        action,
        message,
        runId: this.#run.id,
      });
    } catch (err) {
      this.#logger.warn(
        { ...this.#who, node, err: (err as Error).message },
        `could not record a ${NODE_EVENT_REASON} Event on node ${node}`,
      );
    }
  }
}
