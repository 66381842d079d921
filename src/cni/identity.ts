/**
 * How each CNI is recognised: the plugin types libcni prints for it, its node agent, and substrings only its errors
 * carry. A CNI with its own folder (calico/) declares its identity there; the others, which cni-doctor diagnoses but
 * does not repair, are listed here until they get one.
 */
import type { CniPlugin } from "../diagnosis/message/classification.ts";
import { CALICO_IDENTITY } from "./calico/identity.ts";

/** A CNI's node agent: the DaemonSet whose pod on each node keeps that node's pod network working. */
export interface CniAgentKind {
  cni: CniPlugin;
  /** What people call it, e.g. "calico-node". */
  name: string;
  /** DaemonSet names that identify it, across install methods. */
  daemonSets: string[];
  /** Label on its pods in the common installs, for commands shown to people. */
  labelSelector: string;
}

export interface CniIdentity {
  cni: CniPlugin;
  /** Plugin `type`s in a CNI config (and in libcni's errors) that mean this CNI. */
  pluginTypes: readonly string[];
  /** Its node agents; order matters only for display. */
  agents: readonly CniAgentKind[];
  /** Lower-case substrings only this CNI's messages carry, looked for in the whole message (runtime wrapping). */
  wrappingMarkers: readonly string[];
  /**
   * Lower-case substrings only this CNI's plugin errors carry. Looked for in the plugin's own error, not the
   * wrapping, because the wrapping carries pod names that anyone creating a pod can choose.
   */
  pluginErrorMarkers: readonly string[];
}

const identity = (
  cni: CniPlugin,
  pluginTypes: readonly string[],
  agents: readonly Omit<CniAgentKind, "cni">[] = [],
  pluginErrorMarkers: readonly string[] = [],
): CniIdentity => ({
  cni,
  pluginTypes,
  agents: agents.map((a) => ({ cni, ...a })),
  wrappingMarkers: [],
  pluginErrorMarkers,
});

/** Every CNI cni-doctor recognises. Order is the order markers are tried and agents are listed. */
export const CNI_IDENTITIES: readonly CniIdentity[] = [
  CALICO_IDENTITY,
  identity(
    "flannel",
    ["flannel"],
    [
      {
        name: "kube-flannel",
        daemonSets: ["kube-flannel-ds", "kube-flannel-ds-amd64", "kube-flannel"],
        labelSelector: "app=flannel",
      },
    ],
    ["/run/flannel/"],
  ),
  identity(
    "cilium",
    ["cilium", "cilium-cni"],
    [{ name: "cilium", daemonSets: ["cilium"], labelSelector: "k8s-app=cilium" }],
    ["cilium.sock", "cilium agent", "cilium-agent", "cilium daemon"],
  ),
  identity(
    "weave",
    ["weave", "weave-net"],
    [{ name: "weave-net", daemonSets: ["weave-net"], labelSelector: "name=weave-net" }],
    ["127.0.0.1:6784"],
  ),
  identity(
    "aws-vpc-cni",
    ["aws-cni", "egress-cni", "egress-v4-cni"],
    [{ name: "aws-node", daemonSets: ["aws-node"], labelSelector: "k8s-app=aws-node" }],
    ["127.0.0.1:50051", "addnetwork grpc", "delnetwork grpc"],
  ),
  identity(
    "multus",
    ["multus", "multus-shim"],
    [
      {
        name: "kube-multus",
        // Upstream's manifests (kube-multus-ds), and OpenShift's cluster-network-operator (multus, openshift-multus).
        daemonSets: ["kube-multus-ds", "kube-multus-ds-amd64", "multus"],
        labelSelector: "app=multus",
      },
    ],
    ["multus: ["],
  ),
  identity("bridge", ["bridge"]),
  identity("host-local", ["host-local"]),
  identity("loopback", ["loopback"]),
  identity("portmap", ["portmap"]),
  identity("ptp", ["ptp"]),
  identity("macvlan", ["macvlan"]),
  identity("ipvlan", ["ipvlan"]),
  identity(
    "kube-router",
    ["kube-router"],
    [{ name: "kube-router", daemonSets: ["kube-router"], labelSelector: "k8s-app=kube-router" }],
  ),
  identity(
    "antrea",
    ["antrea"],
    [{ name: "antrea-agent", daemonSets: ["antrea-agent"], labelSelector: "component=antrea-agent" }],
    // The antrea binary relays to the agent over this socket (antrea-io/antrea#832).
    ["/var/run/antrea/cni.sock"],
  ),
  identity(
    "azure",
    ["azure-vnet", "azure-vnet-ipam"],
    // CNS, the node-local agent the plugin asks for addresses on localhost:10090 (Azure/AKS#4342).
    [{ name: "azure-cns", daemonSets: ["azure-cns"], labelSelector: "k8s-app=azure-cns" }],
    ["localhost:10090", "127.0.0.1:10090", "azure cns", "from cns"],
  ),
  identity(
    "kube-ovn",
    ["kube-ovn"],
    [{ name: "kube-ovn-cni", daemonSets: ["kube-ovn-cni"], labelSelector: "app=kube-ovn-cni" }],
    // The plugin's RPC to the kube-ovn-cni daemon (kubeovn/kube-ovn#5836).
    ["kube-ovn-daemon.sock"],
  ),
  identity(
    "ovn-kubernetes",
    ["ovn-k8s-cni-overlay"],
    [{ name: "ovnkube-node", daemonSets: ["ovnkube-node"], labelSelector: "app=ovnkube-node" }],
    ["ovn-cni-server.sock", "ovn-k8s-cni-overlay"],
  ),
  // OpenShift SDN (OpenShift 3.x/4.x before OVN-Kubernetes): the `sdn` DaemonSet in openshift-sdn.
  identity(
    "openshift-sdn",
    ["openshift-sdn"],
    [{ name: "sdn", daemonSets: ["sdn"], labelSelector: "app=sdn" }],
  ),
];

/** Meta-plugins that come first in the conf dir on purpose and delegate to the real CNI: never moved aside. */
export const DELEGATING_CNIS: readonly CniPlugin[] = ["multus"];

const CNI_BY_PLUGIN_TYPE: ReadonlyMap<string, CniPlugin> = new Map(
  CNI_IDENTITIES.flatMap((i) => i.pluginTypes.map((t) => [t, i.cni] as const)),
);

export function cniFromPluginType(pluginType: string | null | undefined): CniPlugin {
  if (!pluginType) return "unknown";
  return CNI_BY_PLUGIN_TYPE.get(pluginType) ?? "unknown";
}

/** Known agents, in display order. */
export const CNI_AGENTS: readonly CniAgentKind[] = CNI_IDENTITIES.flatMap((i) => i.agents);

export function agentKindByDaemonSet(name: string): CniAgentKind | undefined {
  return CNI_AGENTS.find((a) => a.daemonSets.includes(name));
}

/** The agent people call `name` (the `agentName` of a node's evidence), e.g. "cilium", "kube-flannel". */
export function agentKindByName(name: string): CniAgentKind | undefined {
  return CNI_AGENTS.find((a) => a.name === name);
}

export function agentKindForCni(cni: CniPlugin): CniAgentKind | undefined {
  return CNI_AGENTS.find((a) => a.cni === cni);
}

/** The CNI whose markers appear in the plugin error (first) or, for wrapping markers, the whole message. */
export function cniFromEvidence(lowerPluginError: string, lowerMessage: string): CniPlugin {
  for (const i of CNI_IDENTITIES)
    if (i.pluginErrorMarkers.some((m) => lowerPluginError.includes(m))) return i.cni;
  for (const i of CNI_IDENTITIES) if (i.wrappingMarkers.some((m) => lowerMessage.includes(m))) return i.cni;
  return "unknown";
}
