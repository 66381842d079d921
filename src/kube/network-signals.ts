/**
 * The cluster's own reports of broken pod networking, as they happen: kubelet Events with a sandbox-network reason
 * (one field-selected list-watch per reason) and Node objects (their Ready and NetworkUnavailable conditions). Each
 * stream is listed once, then watched from the list's resourceVersion as client-go's reflector does, resuming from the
 * last version seen after a watch ends and listing again only after a 410 (the version was compacted) or repeated
 * failures. Nothing is kept per object beyond a bounded memory of what was already reported, so a cluster with
 * thousands of events costs a fixed amount of memory.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { CoreV1Api, type KubeConfig, Watch } from "@kubernetes/client-node";
import { toKubeAccessError } from "./errors.ts";
import { listAllPagesAtVersion, type Page } from "./paginate.ts";
import { sharedConnections, withTimeout } from "./request-options.ts";
import type { CoreV1Event, V1Node } from "./types.ts";

/** The kubelet's event reasons for a pod whose network could not be set up or torn down. */
export const SANDBOX_FAILURE_REASONS = [
  "FailedCreatePodSandBox",
  "FailedKillPod",
  "NetworkNotReady",
] as const;

export interface NetworkSignalHandlers {
  /** An event seen for the first time, or again with a higher count. */
  onEvent(event: CoreV1Event): void;
  /** A node whose conditions changed (listed or modified). */
  onNode(node: V1Node): void;
  /** A stream that failed and is being retried; for the log. */
  onTrouble(what: string, err: Error): void;
}

export interface NetworkSignalFeed {
  /** Ends every stream; resolves once no request of the feed is in flight any more. */
  stop(): Promise<void>;
}

/** Objects of one kind remembered as already reported; beyond this the oldest are forgotten. */
const MEMORY = 5_000;
const PAGE_SIZE = 500;
const MAX_LIST_ITEMS = 50_000;

export function startNetworkSignalFeed(
  kubeConfig: KubeConfig,
  handlers: NetworkSignalHandlers,
  options: { requestTimeoutMs: number },
): NetworkSignalFeed {
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const watch = new Watch(kubeConfig);
  const connections = sharedConnections();
  const timeout = () => withTimeout(options.requestTimeoutMs, connections);
  const stopper = new AbortController();
  const seenCounts = new BoundedMemory<number>(MEMORY);
  const loops: Promise<void>[] = [];
  for (const reason of SANDBOX_FAILURE_REASONS) {
    const fieldSelector = `reason=${reason}`;
    loops.push(
      listWatch<CoreV1Event>(watch, stopper.signal, {
        what: `events with ${fieldSelector}`,
        resource: "events",
        path: "/api/v1/events",
        fieldSelector,
        list: (page) => core.listEventForAllNamespaces({ ...page, fieldSelector }, timeout()),
        apply: (type, event) => {
          const uid = event.metadata?.uid ?? "";
          if (type === "DELETED") return;
          const count = event.count ?? event.series?.count ?? 1;
          if ((seenCounts.get(uid) ?? 0) >= count) return;
          seenCounts.set(uid, count);
          handlers.onEvent(event);
        },
        trouble: handlers.onTrouble,
      }),
    );
  }
  loops.push(
    listWatch<V1Node>(watch, stopper.signal, {
      what: "nodes",
      resource: "nodes",
      path: "/api/v1/nodes",
      list: (page) => core.listNode(page, timeout()),
      apply: (type, node) => {
        if (type !== "DELETED") handlers.onNode(node);
      },
      trouble: handlers.onTrouble,
    }),
  );
  return {
    stop: async () => {
      stopper.abort();
      await Promise.allSettled(loops);
    },
  };
}

interface ListWatchSpec<T> {
  what: string;
  /** The core resource listed and watched, for a refusal's message. */
  resource: string;
  path: string;
  fieldSelector?: string;
  list: (page: { limit: number; _continue?: string }) => Promise<Page<T>>;
  apply: (type: "ADDED" | "MODIFIED" | "DELETED", object: T) => void;
  trouble: (what: string, err: Error) => void;
}

/** List, then watch from the list's version, resuming after each watch ends, until `signal` aborts. */
async function listWatch<T extends { metadata?: { resourceVersion?: string } }>(
  watch: Watch,
  signal: AbortSignal,
  spec: ListWatchSpec<T>,
): Promise<void> {
  let resourceVersion: string | null = null;
  let failures = 0;
  while (!signal.aborted) {
    if (failures > 0)
      await sleep(Math.min(500 * 2 ** (failures - 1), 30_000), undefined, { signal }).catch(() => undefined);
    if (signal.aborted) return;
    try {
      if (resourceVersion === null) {
        const listed = await listAllPagesAtVersion(
          (token, limit) => spec.list({ limit, ...(token ? { _continue: token } : {}) }),
          { pageSize: PAGE_SIZE, maxItems: MAX_LIST_ITEMS, operation: `list ${spec.what}` },
        );
        for (const item of listed.items) spec.apply("ADDED", item);
        resourceVersion = listed.resourceVersion ?? "";
      }
      const outcome = await watchFrom(watch, signal, spec, resourceVersion, (rv) => {
        resourceVersion = rv;
      });
      if (outcome === "expired") resourceVersion = null;
      failures = outcome === "failed" ? failures + 1 : 0;
      // A watch that keeps failing may be resuming from a version the server no longer serves: list again.
      if (failures >= 3) resourceVersion = null;
    } catch (err) {
      failures++;
      resourceVersion = null;
      spec.trouble(spec.what, toKubeAccessError(err, `list ${spec.what}`));
    }
  }
}

type WatchEnd = "ended" | "expired" | "failed" | "stopped";

function watchFrom<T extends { metadata?: { resourceVersion?: string } }>(
  watch: Watch,
  signal: AbortSignal,
  spec: ListWatchSpec<T>,
  resourceVersion: string,
  advance: (rv: string) => void,
): Promise<WatchEnd> {
  return new Promise<WatchEnd>((resolve) => {
    const openedAt = Date.now();
    let events = 0;
    let controller: AbortController | undefined;
    let settled = false;
    const finish = (end: WatchEnd) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener("abort", onAbort);
      controller?.abort();
      resolve(end);
    };
    const onAbort = () => {
      // The request may still be connecting: end once it has answered (and is aborted) or failed.
      void starting.then(
        () => finish("stopped"),
        () => finish("stopped"),
      );
    };
    // Stopped while the list was in flight: an abort listener added now would never fire.
    if (signal.aborted) return resolve("stopped");
    signal.addEventListener("abort", onAbort);
    const ended = (err: unknown) => {
      const status = (err as { statusCode?: number } | null)?.statusCode;
      if (status === 410) return finish("expired");
      if (err && status !== undefined) spec.trouble(spec.what, watchError(spec, status));
      // A stream that stayed open or delivered something was healthy (client-node drops a quiet watch after 30 s).
      finish(events > 0 || Date.now() - openedAt >= 1000 ? "ended" : "failed");
    };
    const starting = watch
      .watch(
        spec.path,
        {
          resourceVersion,
          allowWatchBookmarks: true,
          timeoutSeconds: 300,
          ...(spec.fieldSelector ? { fieldSelector: spec.fieldSelector } : {}),
        },
        (type: string, obj: T & { code?: number }) => {
          events++;
          if (type === "ERROR") return finish(obj.code === 410 ? "expired" : "failed");
          const rv = obj.metadata?.resourceVersion;
          if (rv) advance(rv);
          if (type === "ADDED" || type === "MODIFIED" || type === "DELETED") spec.apply(type, obj);
        },
        ended,
      )
      .then((c) => {
        controller = c;
        if (settled || signal.aborted) c.abort();
      });
    starting.catch(ended);
  });
}

/**
 * client-node's Watch keeps only the status line of a refused watch, not the API server's Status message, so a 403
 * spells out what was refused itself: the request is known (watch, core group, all namespaces or a cluster-scoped
 * resource), as src/kube/wait.ts does for pods.
 */
function watchError(spec: { what: string; resource: string }, status: number): Error {
  const body =
    status === 403
      ? {
          message: `cannot watch resource "${spec.resource}" in API group "" at the cluster scope: the API server refused it; the service account needs the watch verb on ${spec.resource}`,
        }
      : undefined;
  return toKubeAccessError({ code: status, body }, `watch ${spec.what}`);
}

/** A Map that forgets its oldest entries beyond `limit`. */
export class BoundedMemory<V> {
  readonly #limit: number;
  readonly #map = new Map<string, V>();
  constructor(limit: number) {
    this.#limit = limit;
  }
  get(key: string): V | undefined {
    return this.#map.get(key);
  }
  set(key: string, value: V): void {
    this.#map.delete(key);
    this.#map.set(key, value);
    if (this.#map.size > this.#limit) this.#map.delete(this.#map.keys().next().value as string);
  }
  get size(): number {
    return this.#map.size;
  }
}
