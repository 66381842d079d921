/**
 * The incident threads the bot opened itself, kept in the cluster they are about: one ConfigMap in the bot's
 * namespace (`cni-doctor-incidents`) holding every open thread and the last few resolved ones. It is what lets a
 * restarted bot, or another replica, add to the thread already open instead of opening a second one. Changes are
 * compare-and-swap on the ConfigMap's resourceVersion (as the request claims are), so two replicas changing it at once
 * both end up recorded, or one of them learns it lost.
 */
import { KubeAccessError } from "../../kube/errors.ts";
import type { V1ConfigMap } from "../../kube/types.ts";
import type { ClusterWriter } from "../../kube/writer.ts";
import { MANAGED_BY } from "../../remediation/journal.ts";

export const INCIDENT_RECORDS_NAME = "cni-doctor-incidents";
const DATA_KEY = "incidents.json";
/** Resolved incidents kept for reference; the oldest go first. */
const KEEP_RESOLVED = 20;
const MAX_CONFLICTS = 24;

export interface IncidentRecord {
  /** `watch:<root cause>` for the cluster watch, `alert:<hash of the groupKey>` for an Alertmanager group. */
  key: string;
  cluster: string;
  channel: string;
  /** The parent message, which is also the thread's ts; empty while the thread is being opened. */
  threadTs: string;
  openedAt: string;
  /** Failures (events, alerts) counted into the thread so far. */
  failures: number;
  /** The parent's current headline. */
  headline: string;
  resolvedAt: string | null;
  /** Alertmanager: the group's alert names and the fingerprints of its firing alerts at the last notification. */
  alert?: { groupKey: string; names: string[]; firing: string[] };
}

export type IncidentBook = Record<string, IncidentRecord>;

export type RecordStorage = Pick<ClusterWriter, "getConfigMap" | "createConfigMap" | "replaceConfigMap">;

export class IncidentRecords {
  readonly #storage: RecordStorage;
  readonly #namespace: string;

  constructor(storage: RecordStorage, namespace: string) {
    this.#storage = storage;
    this.#namespace = namespace;
  }

  async read(): Promise<IncidentBook> {
    return parseBook(await this.#storage.getConfigMap(this.#namespace, INCIDENT_RECORDS_NAME));
  }

  /** The open incidents (not resolved), with their thread. */
  async open(): Promise<IncidentRecord[]> {
    return Object.values(await this.read()).filter((r) => r.resolvedAt === null && r.threadTs !== "");
  }

  /**
   * Applies `change` to the current book and writes it back if it returns a book; retried on a conflict with the
   * book read again, so `change` must be a pure function of what it is given. Resolves with what `change` decided.
   */
  async update<T>(change: (book: IncidentBook) => { book: IncidentBook | null; result: T }): Promise<T> {
    for (let attempt = 0; attempt < MAX_CONFLICTS; attempt++) {
      const current = await this.#storage.getConfigMap(this.#namespace, INCIDENT_RECORDS_NAME);
      const { book, result } = change(parseBook(current));
      if (book === null) return result;
      const data = { [DATA_KEY]: JSON.stringify(pruned(book)) };
      try {
        if (current === null) {
          await this.#storage.createConfigMap(this.#namespace, {
            metadata: {
              name: INCIDENT_RECORDS_NAME,
              labels: { ...MANAGED_BY, "cni-doctor.io/kind": "incidents" },
            },
            data,
          });
        } else {
          await this.#storage.replaceConfigMap(this.#namespace, { ...current, data });
        }
        return result;
      } catch (err) {
        if (!(err instanceof KubeAccessError && err.failure === "conflict")) throw err;
        await new Promise((r) => setTimeout(r, Math.random() * 10 * (attempt + 1)));
      }
    }
    throw new Error(
      `${this.#namespace}/${INCIDENT_RECORDS_NAME} kept changing under us (${MAX_CONFLICTS} conflicts) while recording an incident thread`,
    );
  }
}

/** An unreadable book counts as empty: it is rewritten whole on the next change. */
function parseBook(cm: V1ConfigMap | null): IncidentBook {
  try {
    const parsed = JSON.parse(cm?.data?.[DATA_KEY] ?? "{}") as unknown;
    return parsed && typeof parsed === "object" && !Array.isArray(parsed) ? (parsed as IncidentBook) : {};
  } catch {
    return {};
  }
}

/** Every open incident, and only the most recent resolved ones. */
function pruned(book: IncidentBook): IncidentBook {
  const resolved = Object.values(book)
    .filter((r) => r.resolvedAt !== null)
    .sort((a, b) => (b.resolvedAt as string).localeCompare(a.resolvedAt as string))
    .slice(KEEP_RESOLVED);
  const out = { ...book };
  for (const r of resolved) delete out[r.key];
  return out;
}
