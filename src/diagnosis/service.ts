/**
 * The diagnosis service: read-only by construction (it holds only a ClusterReader), it gathers cluster-side evidence
 * and returns a Diagnosis. The CLI and the Slack bot both call `diagnoseCluster`.
 */
import type { ClusterReader } from "../kube/reader.ts";
import { buildFindings, findNodeSignals, findStuckPods } from "./analyze.ts";
import type { Diagnosis } from "./diagnosis.ts";
import { gatherAgentPods, gatherClusterWide, type Scope } from "./gather.ts";

export interface DiagnoseOptions {
  scope?: Scope;
  /** Requests in flight at once for per-node and per-pod reads. */
  concurrency?: number;
  /** Most pods read one by one (those FailedKillPod events name). */
  maxPodReads?: number;
  now?: () => Date;
}

export async function diagnoseCluster(
  reader: ClusterReader,
  options: DiagnoseOptions = {},
): Promise<Diagnosis> {
  const scope = options.scope ?? {};
  const now = options.now ?? (() => new Date());
  const gatherOptions = { concurrency: options.concurrency ?? 8, maxPodReads: options.maxPodReads ?? 1000 };
  const started = now();

  const wide = await gatherClusterWide(reader, scope, gatherOptions);
  const stuck = findStuckPods(
    [...wide.pendingPods, ...wide.killFailedPods],
    wide.sandboxEvents,
    started,
  ).filter((s) => !scope.node || s.ref.node === scope.node);
  // Node conditions are node-wide; with a namespace scope they would speak of other namespaces' pods.
  const nodeSignals = scope.namespace ? [] : findNodeSignals(wide.nodes);
  const affectedNodes = [
    ...new Set([...stuck.map((s) => s.ref.node), ...nodeSignals.map((s) => s.node)]),
  ].sort();
  const agents = await gatherAgentPods(reader, wide.agents, affectedNodes, gatherOptions);

  const findings = buildFindings({
    stuck,
    nodeSignals,
    nodes: wide.nodes,
    agents: wide.agents,
    agentPods: agents.byNode,
    now: started,
  });
  const errors = [...wide.errors, ...agents.errors];
  return {
    cluster: reader.identity,
    healthy: findings.length === 0 && errors.length === 0,
    checkedAt: started.toISOString(),
    scope: { namespace: scope.namespace ?? null, node: scope.node ?? null },
    checked: {
      pendingPods: wide.pendingPods.length,
      sandboxEvents: wide.sandboxEvents.length,
      nodes: wide.nodes.length,
      cniAgents: wide.agents.map((a) => `${a.namespace}/${a.daemonSet}`),
    },
    findings,
    errors,
  };
}
