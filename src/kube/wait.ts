import { setTimeout as sleep } from "node:timers/promises";
import { type KubeConfig, Watch } from "@kubernetes/client-node";
import { KubeAccessError, toKubeAccessError } from "./errors.ts";
import type { ClusterReader, ListQuery } from "./reader.ts";
import type { V1Pod } from "./types.ts";

export interface WaitForPodsOptions {
  query: ListQuery;
  /** True once the pods seen satisfy what is awaited. */
  satisfied: (pods: V1Pod[]) => boolean;
  timeoutMs: number;
  /** For messages, e.g. "calico-node on k8s-worker2 to become Ready". */
  description: string;
}

/** Waits on pods through the API server: what remediation holds instead of a raw KubeConfig. */
export interface PodWatcher {
  waitForPods(options: WaitForPodsOptions): Promise<V1Pod[]>;
}

/**
 * A watcher over client-node's Watch. Note its inactivity timeout: client-node abandons a watch that sends nothing
 * for 30 s, while kube-apiserver sends an idle watch a bookmark only once a minute, so every quiet watch ends after
 * 30 s; the wait then resumes from the last version it saw instead of listing again.
 */
export function createPodWatcher(kubeConfig: KubeConfig, reader: ClusterReader): PodWatcher {
  const watch = new Watch(kubeConfig);
  return { waitForPods: (options) => waitForPodsThrough(watch, reader, options) };
}

/** What one watch request ended with. */
type WatchOutcome =
  /** The awaited state was seen. */
  | { kind: "satisfied"; pods: V1Pod[] }
  /** The wait's own deadline passed. */
  | { kind: "deadline" }
  /** The stream ended (the server's timeout, client-node's inactivity timeout, a dropped connection): resume. */
  | { kind: "ended"; healthy: boolean }
  /** 410 Gone/Expired: the version to resume from was compacted away; only a fresh list can continue. */
  | { kind: "expired" }
  /** The server sent an ERROR event other than 410: resume, and re-list if it keeps happening. */
  | { kind: "error"; message: string }
  /** 401, 403 or 404: retrying cannot help. */
  | { kind: "refused"; err: unknown };

/** A watch that stayed open this long before ending was not failing, even if it carried no event. */
const HEALTHY_STREAM_MS = 1000;

/** Consecutive watch failures after which the wait starts over from a fresh list instead of resuming. */
const FAILURES_BEFORE_RELIST = 3;

/**
 * Waits on pods as client-go's reflector does: a list answers at once if they are already there; otherwise a watch
 * from the list's resourceVersion applies every later change to that view, so nothing is missed and nothing deleted
 * in between lingers. Every event (bookmarks too) advances the version the next watch resumes from, so a watch that
 * ends, whether the server closed it, the connection dropped, or client-node gave up on a quiet stream, continues
 * where it stopped without listing the namespace again. Only a 410 (the version was compacted) or repeated failures
 * start over from a fresh list (k8s.io/client-go/tools/cache/reflector.go: watchHandler / isExpiredError). The whole
 * wait is bounded by `timeoutMs`.
 */
async function waitForPodsThrough(
  watch: Watch,
  reader: ClusterReader,
  options: WaitForPodsOptions,
): Promise<V1Pod[]> {
  const deadline = Date.now() + options.timeoutMs;
  const path = options.query.namespace
    ? `/api/v1/namespaces/${options.query.namespace}/pods`
    : "/api/v1/pods";
  let view = new Map<string, V1Pod>();
  let resourceVersion = "";
  let failures = 0;
  let needsList = true;
  for (;;) {
    if (needsList) {
      const list = await reader.listPodsAtVersion(options.query);
      if (options.satisfied(list.items)) return list.items;
      view = new Map(list.items.map((p) => [p.metadata?.uid ?? "", p]));
      resourceVersion = list.resourceVersion ?? "";
      needsList = false;
    }
    // A watch that keeps failing at once must not turn into a tight loop against the API server.
    if (failures > 0)
      await sleep(Math.min(250 * 2 ** (failures - 1), 2000, Math.max(0, deadline - Date.now())));
    const remaining = deadline - Date.now();
    if (remaining <= 0) break;
    const outcome = await watchOnce(watch, path, options, {
      view,
      resourceVersion,
      remaining,
      advance: (rv) => {
        resourceVersion = rv;
      },
    });
    switch (outcome.kind) {
      case "satisfied":
        return outcome.pods;
      case "deadline":
        break;
      case "refused":
        throw refusalError(outcome.err, options);
      case "expired":
        needsList = true;
        failures = 0;
        continue;
      case "ended":
        // A stream that stayed open or delivered something was healthy (a quiet watch that client-node gave up on
        // is normal); one that ended at once with nothing counts as a failure.
        failures = outcome.healthy ? 0 : failures + 1;
        break;
      case "error":
        failures++;
        break;
    }
    if (outcome.kind === "deadline") break;
    if (failures >= FAILURES_BEFORE_RELIST) {
      needsList = true;
      // Keep a pause before the next watch: the fresh list does not prove the server is well again.
      failures = 1;
    }
  }
  throw new KubeAccessError(
    "timeout",
    `wait for ${options.description}`,
    `not done after ${Math.round(options.timeoutMs / 1000)}s`,
  );
}

interface WatchState {
  view: Map<string, V1Pod>;
  resourceVersion: string;
  remaining: number;
  /** Called with the version of every event received, the version the next watch resumes from. */
  advance: (resourceVersion: string) => void;
}

/** One watch request from `state.resourceVersion`, applying its events to `state.view` until it ends. */
function watchOnce(
  watch: Watch,
  path: string,
  options: WaitForPodsOptions,
  state: WatchState,
): Promise<WatchOutcome> {
  return new Promise<WatchOutcome>((resolve) => {
    let settled = false;
    let events = 0;
    const openedAt = Date.now();
    let controller: AbortController | undefined;
    const finish = (value: WatchOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      controller?.abort();
      resolve(value);
    };
    const ended = (err: unknown) => {
      if (isRefusal(err)) finish({ kind: "refused", err });
      else if (statusCodeOf(err) === 410) finish({ kind: "expired" });
      else finish({ kind: "ended", healthy: events > 0 || Date.now() - openedAt >= HEALTHY_STREAM_MS });
    };
    const timer = setTimeout(() => finish({ kind: "deadline" }), state.remaining);
    watch
      .watch(
        path,
        {
          labelSelector: options.query.labelSelector,
          fieldSelector: options.query.fieldSelector,
          resourceVersion: state.resourceVersion,
          // Server-side timeout a little past ours, so the server never holds a watch nobody reads.
          timeoutSeconds: Math.ceil(state.remaining / 1000) + 5,
          // Bookmarks advance the version to resume from; the wait does not depend on their cadence.
          allowWatchBookmarks: true,
        },
        (type: string, obj: V1Pod & { code?: number; message?: string }) => {
          events++;
          if (type === "ERROR") {
            // kube-apiserver reports a compacted version as an ERROR event carrying a 410 Status.
            return finish(
              obj.code === 410 ? { kind: "expired" } : { kind: "error", message: obj.message ?? "" },
            );
          }
          const rv = obj.metadata?.resourceVersion;
          if (rv) state.advance(rv);
          // A bookmark only carries a resourceVersion; it is not a pod.
          if (type === "BOOKMARK") return;
          const uid = obj.metadata?.uid ?? "";
          if (type === "DELETED") state.view.delete(uid);
          else state.view.set(uid, obj);
          const current = [...state.view.values()];
          if (options.satisfied(current)) finish({ kind: "satisfied", pods: current });
        },
        ended,
      )
      .then((c) => {
        controller = c;
        if (settled) c.abort();
      })
      .catch(ended);
  });
}

function statusCodeOf(err: unknown): unknown {
  return (err as { statusCode?: unknown } | null)?.statusCode;
}

/** Failures that retrying cannot fix: the API server refuses this watch (401, 403) or does not know the resource. */
function isRefusal(err: unknown): boolean {
  const status = statusCodeOf(err);
  return status === 401 || status === 403 || status === 404;
}

/**
 * client-node's Watch keeps only the status line of a refused watch, not the API server's Status message, so the
 * error spells out what was refused itself: the request is known (watch pods, core group, this namespace).
 */
function refusalError(err: unknown, options: WaitForPodsOptions): KubeAccessError {
  const status = statusCodeOf(err) as number;
  const where = options.query.namespace
    ? ` in the namespace "${options.query.namespace}"`
    : " at the cluster scope";
  const detail =
    status === 403
      ? `cannot watch resource "pods" in API group ""${where}: the API server refused it (HTTP 403); the service account needs the watch verb on pods`
      : status === 401
        ? "the API server did not accept the credentials (HTTP 401)"
        : `the API server refused the watch (HTTP ${status})`;
  return toKubeAccessError({ code: status, body: { message: detail } }, `wait for ${options.description}`);
}

/** True when a wait ended because its time ran out, as opposed to being refused or failing. */
export function isTimeout(err: unknown): boolean {
  return err instanceof KubeAccessError && err.failure === "timeout";
}

export function isPodReady(pod: V1Pod): boolean {
  return (
    !pod.metadata?.deletionTimestamp &&
    pod.status?.phase === "Running" &&
    (pod.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True")
  );
}
