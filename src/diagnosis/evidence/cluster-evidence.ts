/**
 * Collects the cluster-side evidence, read-only, with server-side selectors so that the API server does the
 * filtering: three event lists by reason, one list of Pending pods, the nodes, the DaemonSets, then the agent pod on
 * each affected node only. Each failed call is recorded as an error, never taken for an empty answer.
 */
import { agentKindByDaemonSet, type CniAgentKind } from "../../cni/identity.ts";
import { KubeAccessError, toKubeAccessError } from "../../kube/errors.ts";
import type { ClusterReader } from "../../kube/reader.ts";
import type { CoreV1Event, V1DaemonSet, V1Node, V1Pod } from "../../kube/types.ts";
import { Limiter } from "../../shared/limiter.ts";
import type { DiagnosisError } from "../model.ts";

/** The kubelet's event reasons for sandbox set-up and tear-down failures. */
export const SANDBOX_EVENT_REASONS = ["FailedCreatePodSandBox", "FailedKillPod", "NetworkNotReady"] as const;

export interface Scope {
  namespace?: string;
  node?: string;
}

export interface DetectedAgent {
  kind: CniAgentKind;
  namespace: string;
  daemonSet: string;
  /** The DaemonSet's pod selector as a label selector string. */
  selector: string;
}

export interface ClusterWideEvidence {
  pendingPods: V1Pod[];
  /** Pods the FailedKillPod events point at, read one by one (they need not be Pending). */
  killFailedPods: V1Pod[];
  sandboxEvents: CoreV1Event[];
  nodes: V1Node[];
  agents: DetectedAgent[];
  errors: DiagnosisError[];
}

export interface GatherOptions {
  /** Requests in flight at once for per-object reads. */
  concurrency: number;
  /** Most FailedKillPod pods read one by one; beyond it the rest are reported as not checked. */
  maxPodReads: number;
}

export async function gatherClusterWide(
  reader: ClusterReader,
  scope: Scope,
  options: GatherOptions,
): Promise<ClusterWideEvidence> {
  const errors: DiagnosisError[] = [];
  const attempt = async <T>(operation: string, call: () => Promise<T>, fallback: T): Promise<T> => {
    try {
      return await call();
    } catch (err) {
      const e = toKubeAccessError(err, operation);
      errors.push({ operation: e.operation, failure: e.failure, message: e.message });
      return fallback;
    }
  };
  const nodeField = scope.node ? `,spec.nodeName=${scope.node}` : "";
  const [eventLists, pendingPods, nodes, daemonSets] = await Promise.all([
    Promise.all(
      SANDBOX_EVENT_REASONS.map((reason) =>
        attempt(
          `list ${reason} events`,
          () =>
            reader.listEvents({
              namespace: scope.namespace,
              fieldSelector: `involvedObject.kind=Pod,reason=${reason}`,
            }),
          [] as CoreV1Event[],
        ),
      ),
    ),
    attempt(
      "list Pending pods",
      () =>
        reader.listPods({ namespace: scope.namespace, fieldSelector: `status.phase=Pending${nodeField}` }),
      [] as V1Pod[],
    ),
    attempt(
      "read nodes",
      async () => {
        if (!scope.node) return reader.listNodes();
        const node = await reader.getNode(scope.node);
        if (!node)
          throw new KubeAccessError(
            "not-found",
            `get node ${scope.node}`,
            `node "${scope.node}" not found`,
            404,
          );
        return [node];
      },
      [] as V1Node[],
    ),
    attempt("list daemonsets", () => reader.listDaemonSets({}), [] as V1DaemonSet[]),
  ]);
  const sandboxEvents = eventLists.flat();
  const pending = new Set(pendingPods.map((p) => `${p.metadata?.namespace}/${p.metadata?.name}`));
  const killTargets = uniquePodKeys(sandboxEvents.filter((e) => e.reason === "FailedKillPod")).filter(
    (k) => !pending.has(k),
  );
  const limiter = new Limiter(options.concurrency);
  const killFailedPods = (
    await Promise.all(
      killTargets.slice(0, options.maxPodReads).map((key) => {
        const [namespace, name] = key.split("/") as [string, string];
        return limiter.run(() => attempt(`get pod ${key}`, () => reader.getPod(namespace, name), null));
      }),
    )
  ).filter((p): p is V1Pod => p !== null && (!scope.node || p.spec?.nodeName === scope.node));
  if (killTargets.length > options.maxPodReads) {
    errors.push({
      operation: "read pods named by FailedKillPod events",
      failure: "limit",
      message: `${killTargets.length - options.maxPodReads} more pods were not read (limit ${options.maxPodReads}); narrow with --namespace or --node`,
    });
  }
  return { pendingPods, killFailedPods, sandboxEvents, nodes, agents: detectAgents(daemonSets), errors };
}

/** The agent pod on each node, looked up with a field selector on spec.nodeName, a few nodes at a time. */
export async function gatherAgentPods(
  reader: ClusterReader,
  agents: DetectedAgent[],
  nodes: string[],
  options: GatherOptions,
): Promise<{ byNode: Map<string, { agent: DetectedAgent; pod: V1Pod | null }[]>; errors: DiagnosisError[] }> {
  const limiter = new Limiter(options.concurrency);
  const errors: DiagnosisError[] = [];
  const byNode = new Map<string, { agent: DetectedAgent; pod: V1Pod | null }[]>();
  await Promise.all(
    nodes.flatMap((node) =>
      agents.map((agent) =>
        limiter.run(async () => {
          try {
            const pods = await reader.listPods({
              namespace: agent.namespace,
              labelSelector: agent.selector,
              fieldSelector: `spec.nodeName=${node}`,
            });
            // Prefer the live pod over one on its way out, as the DaemonSet controller does.
            const pod = pods.find((p) => !p.metadata?.deletionTimestamp) ?? pods[0] ?? null;
            const list = byNode.get(node) ?? [];
            list.push({ agent, pod });
            byNode.set(node, list);
          } catch (err) {
            const e = toKubeAccessError(err, `list ${agent.kind.name} pods on node ${node}`);
            errors.push({ operation: e.operation, failure: e.failure, message: e.message });
          }
        }),
      ),
    ),
  );
  return { byNode, errors };
}

function detectAgents(daemonSets: V1DaemonSet[]): DetectedAgent[] {
  const out: DetectedAgent[] = [];
  for (const ds of daemonSets) {
    const kind = agentKindByDaemonSet(ds.metadata?.name ?? "");
    const labels = ds.spec?.selector?.matchLabels;
    if (!kind || !labels || Object.keys(labels).length === 0) continue;
    out.push({
      kind,
      namespace: ds.metadata?.namespace ?? "",
      daemonSet: ds.metadata?.name ?? "",
      selector: Object.entries(labels)
        .map(([k, v]) => `${k}=${v}`)
        .join(","),
    });
  }
  return out;
}

function uniquePodKeys(events: CoreV1Event[]): string[] {
  const keys = new Set<string>();
  for (const e of events) keys.add(`${e.involvedObject.namespace}/${e.involvedObject.name}`);
  return [...keys];
}
