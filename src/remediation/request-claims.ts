/**
 * Requests already taken, across every replica and restart: one ConfigMap in the bot's namespace listing the ids of
 * recent requests (a slash command's trigger_id, an event's event_id), each with when it was taken. With two replicas
 * behind one Service, a signed `/cni fix` replayed within Slack's 5-minute window, or an event Slack re-delivers after
 * a slow ack, can reach the replica that has not seen it; the per-process memory cannot stop that, this can. Claims
 * are compare-and-swap on the ConfigMap's resourceVersion (two replicas claiming one id: exactly one wins), and the
 * list keeps only the last KEEP_MS of ids, at most MAX_IDS, so the object stays small without anything deleting it.
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

export class RequestClaims {
  readonly #writer: ClusterWriter;
  readonly #namespace: string;
  readonly #now: () => Date;

  constructor(writer: ClusterWriter, namespace: string, now: () => Date) {
    this.#writer = writer;
    this.#namespace = namespace;
    this.#now = now;
  }

  /**
   * True when this caller is the first to take `requestId`; false when some replica (or an earlier start) already
   * did. The id is stored hashed: a trigger_id is short-lived but still Slack's, not ours to keep.
   */
  async claim(requestId: string): Promise<boolean> {
    const key = createHash("sha256").update(requestId).digest("hex").slice(0, 32);
    const target = {
      namespace: this.#namespace,
      name: REQUEST_CLAIMS_NAME,
      labels: { ...MANAGED_BY, "cni-doctor.io/kind": "request-claims" },
      purpose: "claiming a request",
    };
    return changeConfigMap(this.#writer, target, (current) => {
      const now = this.#now().getTime();
      const taken = recentClaims(current, now);
      if (taken.has(key)) return { data: null, result: false };
      taken.set(key, now);
      return {
        data: { claims: JSON.stringify(Object.fromEntries([...taken].slice(-MAX_IDS))) },
        result: true,
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
