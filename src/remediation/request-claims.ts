/**
 * Requests already taken, across every replica and restart: one ConfigMap in the bot's namespace listing the ids of
 * recent requests (a slash command's trigger_id, an event's event_id), each with when it was taken. With two replicas
 * behind one Service, a signed `/cni fix` replayed within Slack's 5-minute window, or an event Slack re-delivers after
 * a slow ack, can reach the replica that has not seen it; the per-process memory cannot stop that, this can. Claims
 * are compare-and-swap on the ConfigMap's resourceVersion (two replicas claiming one id: exactly one wins), and the
 * list keeps only the last KEEP_MS of ids, at most MAX_IDS, so the object stays small without anything deleting it.
 *
 * Claims asked for while one write is in flight are written together by the next one (a group commit): during an
 * incident many commands and events arrive at once, and one read-modify-write each on the same object would mostly
 * collide — n claims at once cost O(n²) attempts and could run out of retries. Batched, a process makes one write at a
 * time however many arrive, and only replicas contend.
 */
import { createHash } from "node:crypto";
import { changeConfigMap } from "../kube/configmap-cas.ts";
import type { V1ConfigMap } from "../kube/types.ts";
import type { ClusterWriter } from "../kube/writer.ts";
import { MANAGED_BY } from "./journal.ts";

export const REQUEST_CLAIMS_NAME = "cni-doctor-requests";
/** Longer than Slack's 5-minute signature window and its event retries (immediately, after 1 and after 5 minutes). */
const KEEP_MS = 10 * 60_000;
const MAX_IDS = 2_000;

interface PendingClaim {
  key: string;
  settle: (won: boolean) => void;
  fail: (err: unknown) => void;
}

export class RequestClaims {
  readonly #writer: ClusterWriter;
  readonly #namespace: string;
  readonly #now: () => Date;
  #pending: PendingClaim[] = [];
  #writing = false;

  constructor(writer: ClusterWriter, namespace: string, now: () => Date) {
    this.#writer = writer;
    this.#namespace = namespace;
    this.#now = now;
  }

  /**
   * True when this caller is the first to take `requestId`; false when some replica (or an earlier start) already
   * did. The id is stored hashed: a trigger_id is short-lived but still Slack's, not ours to keep.
   */
  claim(requestId: string): Promise<boolean> {
    const key = createHash("sha256").update(requestId).digest("hex").slice(0, 32);
    return new Promise((settle, fail) => {
      this.#pending.push({ key, settle, fail });
      void this.#writeBatches();
    });
  }

  /** Writes the claims waiting, one batch at a time, until none are left. */
  async #writeBatches(): Promise<void> {
    if (this.#writing) return;
    this.#writing = true;
    try {
      while (this.#pending.length > 0) {
        const batch = this.#pending.splice(0);
        try {
          const won = await this.#claimAll(batch.map((c) => c.key));
          for (const [i, c] of batch.entries()) c.settle(won[i] === true);
        } catch (err) {
          for (const c of batch) c.fail(err);
        }
      }
    } finally {
      this.#writing = false;
    }
  }

  /** One compare-and-swap for every key: which of them this caller took first (a key twice: the first asker). */
  #claimAll(keys: string[]): Promise<boolean[]> {
    const target = {
      namespace: this.#namespace,
      name: REQUEST_CLAIMS_NAME,
      labels: { ...MANAGED_BY, "cni-doctor.io/kind": "request-claims" },
      purpose: "claiming a request",
    };
    return changeConfigMap(this.#writer, target, (current) => {
      const now = this.#now().getTime();
      const taken = recentClaims(current, now);
      const won = keys.map((key) => {
        if (taken.has(key)) return false;
        taken.set(key, now);
        return true;
      });
      if (!won.includes(true)) return { data: null, result: won };
      return {
        data: { claims: JSON.stringify(Object.fromEntries([...taken].slice(-MAX_IDS))) },
        result: won,
      };
    });
  }
}

/** The claims younger than KEEP_MS, oldest first; an unreadable list counts as empty (it is rewritten whole). */
function recentClaims(cm: V1ConfigMap | null, now: number): Map<string, number> {
  let parsed: Record<string, unknown> = {};
  try {
    parsed = JSON.parse(cm?.data?.claims ?? "{}") as Record<string, unknown>;
  } catch {
    parsed = {};
  }
  const fresh = Object.entries(parsed).filter(
    (e): e is [string, number] => typeof e[1] === "number" && now - e[1] < KEEP_MS,
  );
  return new Map(fresh.sort((a, b) => a[1] - b[1]));
}
