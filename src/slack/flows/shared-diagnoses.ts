/**
 * Diagnoses asked for while the same one is running join it. In an incident several people type `/cni diagnose` at
 * once (and the incident watch may be diagnosing too); each used to read the whole cluster and inspect every affected
 * node again, side by side, on the bot's one event loop, and every ack and click waited behind them. A request for
 * the same cluster and scope that arrives within JOIN_WINDOW_MS of a running diagnosis's start gets that diagnosis
 * (its card shows when it was checked); later ones start their own, so nobody is handed evidence older than that.
 *
 * Only the diagnoses people ask for are shared. A run's drift check and verification always read the cluster afresh.
 */
import type { Diagnosis } from "../../diagnosis/index.ts";

/** How old a running diagnosis may be and still be joined. */
export const JOIN_WINDOW_MS = 10_000;

/** Told, in every thread that asked, when the nodes could not be reached (the diagnosis goes on cluster-side). */
export type NodesUnreachable = (err: Error) => Promise<void>;

interface Audience {
  /** The threads waiting on a diagnosis, each told if the nodes turn out unreachable. */
  listeners: NodesUnreachable[];
  /** Set once the nodes were found unreachable, for threads that join after that. */
  unreachable?: Error;
}

interface Running {
  startedAt: number;
  diagnosis: Promise<Diagnosis>;
  audience: Audience;
}

export class SharedDiagnoses {
  readonly #running = new Map<string, Running>();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /**
   * The diagnosis for `key` (cluster and scope): the running one if it started within the window, else a new one
   * from `start`, which reports unreachable nodes through the callback it is given.
   */
  async diagnose(
    key: string,
    start: (onNodesUnreachable: NodesUnreachable) => Promise<Diagnosis>,
    onNodesUnreachable: NodesUnreachable,
  ): Promise<Diagnosis> {
    const running = this.#running.get(key);
    if (running && this.#now() - running.startedAt <= JOIN_WINDOW_MS) {
      const { audience } = running;
      if (audience.unreachable) await onNodesUnreachable(audience.unreachable);
      else audience.listeners.push(onNodesUnreachable);
      return running.diagnosis;
    }
    const audience: Audience = { listeners: [onNodesUnreachable] };
    const startedAt = this.#now();
    // Started after it is registered, so that a request made while it starts already joins it.
    const diagnosis = Promise.resolve().then(() =>
      start(async (err) => {
        audience.unreachable = err;
        await Promise.all(audience.listeners.map((tell) => tell(err)));
      }),
    );
    const entry: Running = { startedAt, diagnosis, audience };
    this.#running.set(key, entry);
    try {
      return await entry.diagnosis;
    } finally {
      if (this.#running.get(key) === entry) this.#running.delete(key);
    }
  }

  /** Diagnoses running now (for tests and metrics). */
  get running(): number {
    return this.#running.size;
  }
}
