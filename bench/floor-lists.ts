/**
 * The floor for diagnosis benchmark 2: only the list calls that fetch every object the diagnosis reads, through the
 * product's own client (createClusterReader: same client-node, same page size, same timeouts), all issued at once,
 * then nothing else: no analysis, no per-node or per-pod reads, no rendering. Run as its own process, as the CLI is.
 *
 * The lists (all namespaces):
 * - events, fieldSelector involvedObject.kind=Pod,reason=<R> for R in FailedCreatePodSandBox, FailedKillPod,
 *   NetworkNotReady (the sandbox failures);
 * - pods, fieldSelector status.phase=Pending (the stuck pods);
 * - nodes (conditions, addresses);
 * - daemonsets (which CNI agent runs, and its selector);
 * - the CNI agent's pods: pods in calico-system with the calico-node DaemonSet's selector (k8s-app=calico-node),
 *   one list for every node at once.
 *
 * Usage: node bench/floor-lists.ts KUBECONFIG → prints {"listMs":…, "items":{…}} on stdout.
 */
import { loadCluster } from "../src/kube/cluster-config.ts";
import { createClusterReader } from "../src/kube/reader.ts";

const SANDBOX_REASONS = ["FailedCreatePodSandBox", "FailedKillPod", "NetworkNotReady"];

const kubeconfigPath = process.argv[2];
if (!kubeconfigPath) {
  process.stderr.write("usage: node bench/floor-lists.ts KUBECONFIG\n");
  process.exit(2);
}
const cluster = loadCluster({ kubeconfigPath });
const reader = createClusterReader(cluster.kubeConfig, cluster.identity);
const started = performance.now();
const [events, pending, nodes, daemonSets, agentPods] = await Promise.all([
  Promise.all(
    SANDBOX_REASONS.map((reason) =>
      reader.listEvents({ fieldSelector: `involvedObject.kind=Pod,reason=${reason}` }),
    ),
  ),
  reader.listPods({ fieldSelector: "status.phase=Pending" }),
  reader.listNodes(),
  reader.listDaemonSets({}),
  reader.listPods({ namespace: "calico-system", labelSelector: "k8s-app=calico-node" }),
]);
const listMs = performance.now() - started;
process.stdout.write(
  `${JSON.stringify({
    listMs,
    items: {
      sandboxEvents: events.flat().length,
      pendingPods: pending.length,
      nodes: nodes.length,
      daemonSets: daemonSets.length,
      agentPods: agentPods.length,
    },
  })}\n`,
);
