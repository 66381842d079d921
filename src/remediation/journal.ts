/**
 * The run journal: one ConfigMap per run in the bot's namespace, so every replica and every later start sees what
 * was proposed, approved, run and interrupted. Updates are compare-and-swap on the ConfigMap's resourceVersion: a
 * transition is a function of the current record, re-applied after a conflict, so two writers can never both move a
 * run from "approved" to "running".
 */
import { randomBytes } from "node:crypto";
import { KubeAccessError } from "../kube/errors.ts";
import type { V1ConfigMap } from "../kube/types.ts";
import type { ClusterWriter } from "../kube/writer.ts";
import type { RunRecord } from "./run.ts";

export const MANAGED_BY = { "app.kubernetes.io/managed-by": "cni-doctor" } as const;
const KIND_LABEL = "cni-doctor.io/kind";
const STATE_LABEL = "cni-doctor.io/state";
const RECORD_KEY = "run.json";
const MAX_CONFLICT_RETRIES = 8;
/** Runs listed by recentRuns; older ones stay in the cluster for audit. */
const RECENT_LIMIT = 50;

export class JournalError extends Error {
  override name = "JournalError";
}

/** A transition either returns the new record or declines (with a reason), leaving the journal as it is. */
export type Transition<R> = (current: RunRecord) => { record: RunRecord; result: R } | { declined: R };

export class RunJournal {
  readonly #writer: ClusterWriter;
  readonly #namespace: string;

  constructor(writer: ClusterWriter, namespace: string) {
    this.#writer = writer;
    this.#namespace = namespace;
  }

  get namespace(): string {
    return this.#namespace;
  }

  /** Fails with a message that says what to apply when the bot's namespace is missing. */
  async ensureReady(): Promise<void> {
    if (!(await this.#writer.namespaceExists(this.#namespace))) {
      throw new JournalError(
        `namespace ${this.#namespace} does not exist: cni-doctor keeps its run journal and lease there. Apply the manifests with 'kubectl apply -k manifests/' (or set CNI_DOCTOR_NAMESPACE to the bot's namespace).`,
      );
    }
  }

  static newRunId(now: Date): string {
    const stamp = now.toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15).toLowerCase();
    return `${stamp}-${randomBytes(3).toString("hex")}`;
  }

  async create(record: RunRecord): Promise<void> {
    await this.#writer.createConfigMap(this.#namespace, this.#toConfigMap(record));
  }

  async get(id: string): Promise<RunRecord | null> {
    const cm = await this.#writer.getConfigMap(this.#namespace, configMapName(id));
    return cm ? parseRecord(cm) : null;
  }

  /** Applies `transition` to the current record and writes it back, retrying on concurrent updates. */
  async update<R>(
    id: string,
    transition: Transition<R>,
  ): Promise<{ applied: boolean; result: R; record: RunRecord } | null> {
    for (let attempt = 0; attempt < MAX_CONFLICT_RETRIES; attempt++) {
      const cm = await this.#writer.getConfigMap(this.#namespace, configMapName(id));
      if (!cm) return null;
      const current = parseRecord(cm);
      const outcome = transition(current);
      if ("declined" in outcome) return { applied: false, result: outcome.declined, record: current };
      const next = this.#toConfigMap(outcome.record);
      next.metadata = { ...next.metadata, resourceVersion: cm.metadata?.resourceVersion };
      try {
        await this.#writer.replaceConfigMap(this.#namespace, next);
        return { applied: true, result: outcome.result, record: outcome.record };
      } catch (err) {
        if (err instanceof KubeAccessError && err.failure === "conflict") continue;
        throw err;
      }
    }
    throw new JournalError(
      `run ${id}: the journal ConfigMap ${this.#namespace}/${configMapName(id)} kept changing under us (${MAX_CONFLICT_RETRIES} conflicts); try again.`,
    );
  }

  /**
   * Moves an approved run to running, for this executor: at most one caller ever succeeds. Null when the run was not
   * approved any more (started elsewhere, closed meanwhile).
   */
  async claim(id: string, executor: string, startedAt: string): Promise<RunRecord | null> {
    const claimed = await this.update<boolean>(id, (r) =>
      r.state === "approved"
        ? {
            record: {
              ...r,
              state: "running",
              execution: { executor, startedAt, finishedAt: null, heartbeatAt: startedAt },
            },
            result: true,
          }
        : { declined: false },
    );
    return claimed?.applied ? claimed.record : null;
  }

  /** Records how a run ended. */
  async finish(
    id: string,
    outcome: Pick<RunRecord, "outcome" | "verification"> & { state: RunRecord["state"] },
    finishedAt: string,
  ): Promise<void> {
    await this.update(id, (r) => ({
      record: {
        ...r,
        ...outcome,
        execution: r.execution ? { ...r.execution, finishedAt, heartbeatAt: finishedAt } : null,
      },
      result: undefined,
    }));
  }

  /** Moves a run from one state to another with its outcome, only if it is still in `from`; the new record or null. */
  async close(
    id: string,
    from: RunRecord["state"],
    to: RunRecord["state"],
    outcome: string,
  ): Promise<RunRecord | null> {
    const updated = await this.update(id, (r) =>
      r.state === from
        ? { record: { ...r, state: to, outcome }, result: undefined }
        : { declined: undefined },
    );
    return updated?.record ?? null;
  }

  /** The cluster changed after approval: an approved run is superseded by the plan with `digest`. */
  async supersede(id: string, digest: string): Promise<void> {
    await this.update(id, (r) =>
      r.state === "approved"
        ? {
            record: {
              ...r,
              state: "superseded",
              supersededBy: { digest },
              outcome: `superseded: the cluster changed; new plan ${digest}`,
            },
            result: undefined,
          }
        : { declined: undefined },
    );
  }

  /** The most recent runs, newest first. */
  async recent(): Promise<RunRecord[]> {
    return recentRunRecords(await this.#writer.listConfigMaps(this.#namespace, RUN_SELECTOR));
  }

  #toConfigMap(record: RunRecord): V1ConfigMap {
    return {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: {
        name: configMapName(record.id),
        namespace: this.#namespace,
        labels: { ...MANAGED_BY, [KIND_LABEL]: "run", [STATE_LABEL]: record.state },
        annotations: {
          "cni-doctor.io/digest": record.plan.digest,
          "cni-doctor.io/cluster": record.cluster.context.slice(0, 200),
        },
      },
      data: { [RECORD_KEY]: JSON.stringify(record) },
    };
  }
}

/** The label selector of the journal's run ConfigMaps. */
export const RUN_SELECTOR = `${KIND_LABEL}=run`;

/**
 * The newest runs among journal ConfigMaps, newest first; a ConfigMap that does not parse is skipped. Shared by the
 * journal and by the read-only look `diagnose` takes (half-done.ts), which has a ClusterReader, not this journal.
 */
export function recentRunRecords(configMaps: readonly V1ConfigMap[]): RunRecord[] {
  return configMaps
    .flatMap((cm) => {
      try {
        return [parseRecord(cm)];
      } catch {
        return [];
      }
    })
    .sort((a, b) => (a.requestedAt < b.requestedAt ? 1 : a.requestedAt > b.requestedAt ? -1 : 0))
    .slice(0, RECENT_LIMIT);
}

export function configMapName(runId: string): string {
  return `cni-doctor-run-${runId}`;
}

function parseRecord(cm: V1ConfigMap): RunRecord {
  const text = cm.data?.[RECORD_KEY];
  if (text === undefined) {
    throw new JournalError(
      `journal ConfigMap ${cm.metadata?.namespace}/${cm.metadata?.name} has no ${RECORD_KEY}`,
    );
  }
  return JSON.parse(text) as RunRecord;
}
