/**
 * The diagnosis service: read-only by construction. It holds only a ClusterReader and, optionally, a NodeReader,
 * which it wraps in readOnlyView so that a command that changes a node is refused even if a writer is passed. It
 * gathers cluster-side evidence, inspects the affected nodes' CNI files when it can reach them, and returns a
 * Diagnosis. The CLI, the Slack bot and remediation (drift check, verification) all call `diagnoseCluster`.
 */
import type { ClusterReader } from "../kube/reader.ts";
import { type NodeReader, readOnlyView } from "../nodes/index.ts";
import { mapInSlices } from "../shared/event-loop-turns.ts";
import { gatherAgentPods, gatherClusterWide, type Scope } from "./evidence/cluster-evidence.ts";
import { inspectAffectedNodes } from "./evidence/node-inspections.ts";
import { buildFindings } from "./findings/build-findings.ts";
import { findNodeSignals, type NodeSignal, type StuckPod, stuckPodJudge } from "./findings/stuck-pods.ts";
import type { ApiServerClock } from "./forensics/index.ts";
import type { Diagnosis } from "./model.ts";

export interface DiagnoseOptions {
  scope?: Scope;
  /** Requests in flight at once for per-node and per-pod reads. */
  concurrency?: number;
  /** Most pods read one by one (those FailedKillPod events name). */
  maxPodReads?: number;
  /** Reads the affected nodes' CNI files over SSH; without it, root causes rest on cluster-side evidence alone. */
  nodeReader?: NodeReader;
  /** The API server's clock, for measuring node clock skew; without it, nodes are compared with the local clock. */
  apiServerClock?: ApiServerClock;
  /** Nodes inspected at once (the NodeReader bounds its own connections too). */
  inspectionConcurrency?: number;
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
  // In slices: on a large cluster, classifying every stuck pod's message would hold the bot's loop (issue 17).
  const stuck = (
    await mapInSlices(
      [...wide.pendingPods, ...wide.killFailedPods],
      stuckPodJudge(wide.sandboxEvents, started),
    )
  ).filter((s): s is StuckPod => s !== null && (!scope.node || s.ref.node === scope.node));
  // Node conditions are node-wide; with a namespace scope they would speak of other namespaces' pods.
  const nodeSignals = scope.namespace ? [] : findNodeSignals(wide.nodes);
  const affectedNodes = [
    ...new Set([...stuck.map((s) => s.ref.node), ...nodeSignals.map((s) => s.node)]),
  ].sort();
  const agents = await gatherAgentPods(reader, wide.agents, affectedNodes, gatherOptions);
  const forensics = options.nodeReader
    ? await inspectAffectedNodes(reader, readOnlyView(options.nodeReader), {
        nodes: nodesToInspect(stuck, nodeSignals),
        nodeObjects: wide.nodes,
        concurrency: options.inspectionConcurrency ?? gatherOptions.concurrency,
        apiServerClock: options.apiServerClock,
        now,
      })
    : { inspections: undefined, errors: [] };

  const findings = buildFindings({
    stuck,
    nodeSignals,
    nodes: wide.nodes,
    agents: wide.agents,
    agentPods: agents.byNode,
    inspections: forensics.inspections,
    now: started,
  });
  const errors = [...wide.errors, ...agents.errors, ...forensics.errors];
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

/** Nodes whose failures the node's files can explain: every affected node with a recognised CNI failure. */
function nodesToInspect(stuck: StuckPod[], signals: NodeSignal[]): string[] {
  const nodes = new Set<string>();
  for (const s of stuck) if (s.classification.family !== "unknown") nodes.add(s.ref.node);
  for (const s of signals) if (s.classification.family !== "unknown") nodes.add(s.node);
  return [...nodes].sort();
}
