/**
 * Every CNI's node agent is found by its DaemonSet, whatever namespace it runs in, so a node whose agent is down gets
 * a finding that names that agent's pod on the node and its state. Through diagnoseCluster, with a ClusterReader that
 * answers the list calls the diagnosis makes (by label and node field selector, as the API server would).
 */
import { describe, expect, it } from "vitest";
import { diagnoseCluster } from "../../../src/diagnosis/index.ts";
import type { ClusterReader, ListQuery } from "../../../src/kube/reader.ts";
import type { V1Pod } from "../../../src/kube/types.ts";

const NODE = "worker-1";
// kind-ci/examples#33: the Ready condition a node shows while its CNI agent has not written a config.
const NOT_READY =
  "KubeletNotReady runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized";

interface AgentCase {
  daemonSet: string;
  namespace: string;
  labels: Record<string, string>;
  container: string;
}

// Names, namespaces and selectors as each project's manifests install them.
const CASES: AgentCase[] = [
  {
    daemonSet: "calico-node",
    namespace: "calico-system",
    labels: { "k8s-app": "calico-node" },
    container: "calico-node",
  },
  {
    daemonSet: "calico-node",
    namespace: "kube-system",
    labels: { "k8s-app": "calico-node" },
    container: "calico-node",
  },
  { daemonSet: "canal", namespace: "kube-system", labels: { "k8s-app": "canal" }, container: "calico-node" },
  {
    daemonSet: "cilium",
    namespace: "kube-system",
    labels: { "k8s-app": "cilium" },
    container: "cilium-agent",
  },
  {
    daemonSet: "kube-flannel-ds",
    namespace: "kube-flannel",
    labels: { app: "flannel" },
    container: "kube-flannel",
  },
  {
    daemonSet: "aws-node",
    namespace: "kube-system",
    labels: { "k8s-app": "aws-node" },
    container: "aws-node",
  },
  {
    daemonSet: "azure-cns",
    namespace: "kube-system",
    labels: { "k8s-app": "azure-cns" },
    container: "cns-container",
  },
  {
    daemonSet: "antrea-agent",
    namespace: "kube-system",
    labels: { app: "antrea", component: "antrea-agent" },
    container: "antrea-agent",
  },
  {
    daemonSet: "kube-ovn-cni",
    namespace: "kube-system",
    labels: { app: "kube-ovn-cni" },
    container: "cni-server",
  },
  {
    daemonSet: "ovnkube-node",
    namespace: "ovn-kubernetes",
    labels: { name: "ovnkube-node" },
    container: "ovnkube-controller",
  },
  { daemonSet: "weave-net", namespace: "kube-system", labels: { name: "weave-net" }, container: "weave" },
  {
    daemonSet: "kube-multus-ds",
    namespace: "kube-system",
    labels: { name: "multus" },
    container: "kube-multus",
  },
];

function reader(c: AgentCase): ClusterReader {
  const selector = Object.entries(c.labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(",");
  const agent: V1Pod = {
    metadata: { namespace: c.namespace, name: `${c.daemonSet}-x7k2p`, labels: c.labels },
    spec: { nodeName: NODE, containers: [] },
    status: {
      phase: "Running",
      conditions: [{ type: "Ready", status: "False" }],
      containerStatuses: [
        {
          name: c.container,
          ready: false,
          restartCount: 5,
          image: "",
          imageID: "",
          state: { waiting: { reason: "CrashLoopBackOff" } },
        },
      ],
    },
  };
  const onNode = (q: ListQuery) => /spec\.nodeName=([^,]+)/.exec(q.fieldSelector ?? "")?.[1];
  const unused = () => {
    throw new Error("not asked by this diagnosis");
  };
  return {
    identity: { context: "test", server: "https://10.0.0.10:6443", caFingerprint: "" },
    listPods: async (q) =>
      q.namespace === c.namespace && q.labelSelector === selector && onNode(q) === NODE ? [agent] : [],
    listPodsAtVersion: unused,
    listEvents: async () => [],
    listNodes: async () => [
      {
        metadata: { name: NODE },
        status: { conditions: [{ type: "Ready", status: "False", message: NOT_READY }] },
      },
    ],
    getNode: async () => null,
    getPod: async () => null,
    listDaemonSets: async () => [
      {
        metadata: { namespace: c.namespace, name: c.daemonSet },
        spec: { selector: { matchLabels: c.labels }, template: {} },
      },
    ],
    listServices: async () => [],
    readyServiceAddresses: async () => ({ source: "EndpointSlice", ready: [] }),
    getConfigMap: async () => null,
    listConfigMaps: async () => [],
    getLease: async () => null,
    getServiceAccount: async () => null,
    reviewToken: unused,
  };
}

describe("agent identification through the diagnosis", () => {
  for (const c of CASES) {
    it(`${c.daemonSet} in ${c.namespace}: the finding names the agent pod on the node and its state`, async () => {
      const diagnosis = await diagnoseCluster(reader(c));
      const finding = diagnosis.findings.find((f) => f.nodes.includes(NODE));
      expect(finding?.rootCause).toBe("cni-agent-not-running");
      const node = finding?.evidence.nodes.find((n) => n.name === NODE);
      expect(node?.agent).toMatchObject({
        namespace: c.namespace,
        pod: `${c.daemonSet}-x7k2p`,
        ready: false,
      });
      expect(finding?.evidence.facts.join("\n")).toContain(
        `pod ${c.daemonSet}-x7k2p is not Ready (waiting: CrashLoopBackOff), 5 restarts`,
      );
    });
  }
});
