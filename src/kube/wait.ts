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

/**
 * Waits on pods as an informer does: a list answers at once if they are already there; otherwise a watch from the
 * list's resourceVersion applies every later change to that list, so nothing is missed and nothing deleted in between
 * lingers. (A watch without a version would replay only the objects still there, and a pod deleted between the two
 * calls would stay in the view forever.) A dropped or expired watch starts over from a fresh list; the whole wait is
 * bounded by `timeoutMs`.
 */
export async function waitForPods(
  kubeConfig: KubeConfig,
  reader: ClusterReader,
  options: WaitForPodsOptions,
): Promise<V1Pod[]> {
  const deadline = Date.now() + options.timeoutMs;
  const path = options.query.namespace
    ? `/api/v1/namespaces/${options.query.namespace}/pods`
    : "/api/v1/pods";
  const watch = new Watch(kubeConfig);
  let pause = 0;
  for (;;) {
    // A watch that keeps ending at once must not turn into a tight loop against the API server.
    if (pause > 0) await sleep(Math.min(pause, Math.max(0, deadline - Date.now())));
    const { items: pods, resourceVersion } = await reader.listPodsAtVersion(options.query);
    if (options.satisfied(pods)) return pods;
    const remaining = deadline - Date.now();
    if (remaining <= 0) break;
    const byUid = new Map(pods.map((p) => [p.metadata?.uid ?? "", p]));
    type Outcome = V1Pod[] | "restart" | "timeout" | { refused: unknown };
    const result = await new Promise<Outcome>((resolve) => {
      let settled = false;
      let controller: AbortController | undefined;
      const finish = (value: Outcome) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        controller?.abort();
        resolve(value);
      };
      const timer = setTimeout(() => finish("timeout"), remaining);
      watch
        .watch(
          path,
          {
            labelSelector: options.query.labelSelector,
            fieldSelector: options.query.fieldSelector,
            resourceVersion,
            // Server-side timeout a little past ours, so the server never holds a watch nobody reads.
            timeoutSeconds: Math.ceil(remaining / 1000) + 5,
            // Bookmarks keep an idle watch alive: client-node gives up on a watch that sends nothing for 30 s.
            allowWatchBookmarks: true,
          },
          (type, obj: V1Pod) => {
            if (type === "ERROR") return finish("restart");
            // A bookmark only carries a resourceVersion; it is not a pod.
            if (type === "BOOKMARK") return;
            const uid = obj.metadata?.uid ?? "";
            if (type === "DELETED") byUid.delete(uid);
            else byUid.set(uid, obj);
            const current = [...byUid.values()];
            if (options.satisfied(current)) finish(current);
          },
          (err: unknown) => finish(isRefusal(err) ? { refused: err } : "restart"),
        )
        .then((c) => {
          controller = c;
          if (settled) c.abort();
        })
        .catch((err: unknown) => finish(isRefusal(err) ? { refused: err } : "restart"));
    });
    if (Array.isArray(result)) return result;
    if (result === "timeout") break;
    if (typeof result === "object") throw refusalError(result.refused, options);
    pause = Math.min(Math.max(pause * 2, 250), 2000);
  }
  throw new KubeAccessError(
    "timeout",
    `wait for ${options.description}`,
    `not done after ${Math.round(options.timeoutMs / 1000)}s`,
  );
}

/** Failures that retrying cannot fix: the API server refuses this watch (401, 403) or does not know the resource. */
function isRefusal(err: unknown): boolean {
  const status = (err as { statusCode?: unknown } | null)?.statusCode;
  return status === 401 || status === 403 || status === 404;
}

/**
 * client-node's Watch keeps only the status line of a refused watch, not the API server's Status message, so the
 * error spells out what was refused itself: the request is known (watch pods, core group, this namespace).
 */
function refusalError(err: unknown, options: WaitForPodsOptions): KubeAccessError {
  const status = (err as { statusCode?: number }).statusCode;
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
