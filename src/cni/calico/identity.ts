/**
 * Who Calico is on a cluster and on a node: its agent DaemonSets, the plugin types libcni prints for it, the strings
 * only its errors carry, and the files it owns in the CNI conf dir.
 */
import type { CniAgentKind, CniIdentity } from "../identity.ts";

/**
 * Calico runs as `calico-node` in calico-system (Tigera operator) or kube-system (manifests, microk8s); Canal is
 * Calico's policy agent with Flannel, in kube-system, as DaemonSet `canal` or, in RKE2's chart, `rke2-canal` (same
 * `k8s-app=canal` pods: rancher/rke2#2635 shows `daemonset.apps/rke2-canal … calico-node,kube-flannel … k8s-app=canal`).
 */
export const CALICO_AGENTS: readonly CniAgentKind[] = [
  { cni: "calico", name: "calico-node", daemonSets: ["calico-node"], labelSelector: "k8s-app=calico-node" },
  { cni: "calico", name: "canal", daemonSets: ["canal", "rke2-canal"], labelSelector: "k8s-app=canal" },
];

/** The agent whose restart the Calico remediator plans (install-cni, its init container, rewrites the files). */
export const CALICO_NODE = "calico-node";

/** The kubeconfig install-cni writes for the Calico CNI plugin, in the conf dir. */
export const CALICO_KUBECONFIG = "calico-kubeconfig";

/** Conf dir entries install-cni writes (besides the network configs, which are recognised by their plugin type). */
export function isCalicoFile(name: string): boolean {
  return /calico/i.test(name);
}

export const CALICO_IDENTITY: CniIdentity = {
  cni: "calico",
  pluginTypes: ["calico", "calico-ipam"],
  agents: CALICO_AGENTS,
  // Calico's network name is checked in the whole message: CRI-O prints it in its wrapping (`to CNI network
  // "k8s-pod-network"`), and a pod name cannot contain the quote that delimits it.
  wrappingMarkers: ['cni network "k8s-pod-network"'],
  pluginErrorMarkers: ["clusterinformation", "crd.projectcalico.org", "/var/lib/calico/"],
};
