import type { CniPlugin } from "./message/classification.ts";

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

/**
 * Known agents. Calico runs as `calico-node` in calico-system (Tigera operator) or kube-system (manifests, microk8s);
 * Canal is Calico's policy agent with Flannel, in kube-system. Order matters only for display.
 */
export const CNI_AGENTS: readonly CniAgentKind[] = [
  { cni: "calico", name: "calico-node", daemonSets: ["calico-node"], labelSelector: "k8s-app=calico-node" },
  { cni: "calico", name: "canal", daemonSets: ["canal"], labelSelector: "k8s-app=canal" },
  {
    cni: "flannel",
    name: "kube-flannel",
    daemonSets: ["kube-flannel-ds", "kube-flannel-ds-amd64", "kube-flannel"],
    labelSelector: "app=flannel",
  },
  { cni: "cilium", name: "cilium", daemonSets: ["cilium"], labelSelector: "k8s-app=cilium" },
  { cni: "aws-vpc-cni", name: "aws-node", daemonSets: ["aws-node"], labelSelector: "k8s-app=aws-node" },
  { cni: "weave", name: "weave-net", daemonSets: ["weave-net"], labelSelector: "name=weave-net" },
  {
    cni: "multus",
    name: "kube-multus",
    daemonSets: ["kube-multus-ds", "kube-multus-ds-amd64"],
    labelSelector: "app=multus",
  },
  {
    cni: "antrea",
    name: "antrea-agent",
    daemonSets: ["antrea-agent"],
    labelSelector: "component=antrea-agent",
  },
  {
    cni: "kube-router",
    name: "kube-router",
    daemonSets: ["kube-router"],
    labelSelector: "k8s-app=kube-router",
  },
];

export function agentKindByDaemonSet(name: string): CniAgentKind | undefined {
  return CNI_AGENTS.find((a) => a.daemonSets.includes(name));
}

export function agentKindForCni(cni: CniPlugin): CniAgentKind | undefined {
  return CNI_AGENTS.find((a) => a.cni === cni);
}
