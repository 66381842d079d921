/**
 * The incident threads the bot opened itself, kept in the cluster they are about: one ConfigMap in the bot's
 * namespace (`cni-doctor-incidents`) holding every open thread and the last few resolved ones. It is what lets a
 * restarted bot, or another replica, add to the thread already open instead of opening a second one. Changes are
 * compare-and-swap on the ConfigMap's resourceVersion (as the request claims are), so two replicas changing it at once
 * both end up recorded, or one of them learns it lost.
 */
import { type ConfigMapStorage, changeConfigMap } from "../../kube/configmap-cas.ts";
import type { V1ConfigMap } from "../../kube/types.ts";
import { MANAGED_BY } from "../../remediation/journal.ts";

export const INCIDENT_RECORDS_NAME = "cni-doctor-incidents";
const DATA_KEY = "incidents.json";
/** Resolved incidents kept for reference; the oldest go first. */
const KEEP_RESOLVED = 20;

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

export type RecordStorage = ConfigMapStorage;

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
    const target = {
      namespace: this.#namespace,
      name: INCIDENT_RECORDS_NAME,
      labels: { ...MANAGED_BY, "cni-doctor.io/kind": "incidents" },
      purpose: "recording an incident thread",
    };
    return changeConfigMap(this.#storage, target, (current) => {
      const { book, result } = change(parseBook(current));
      return { data: book === null ? null : { [DATA_KEY]: JSON.stringify(pruned(book)) }, result };
    });
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
