import type { Signature } from "./signature.ts";

/**
 * ovnkube-node sets up a pod only once the OVN-Kubernetes controller (ovnkube-master, or ovnkube-controller in
 * interconnect mode) has written the pod's `k8s.ovn.org/pod-networks` annotation; when it never comes, the shim's
 * request ends in "failed to get pod annotation: timed out waiting for annotations" (ovn-kubernetes/ovn-kubernetes#2590,
 * #3859). The older Python shim (ovn-k8s-cni-overlay) printed the same words when it could not read the pod at all.
 */
export const ovnKubernetesAnnotationTimeout: Signature = {
  id: "ovn-kubernetes-annotation-timeout",
  family: "cni-agent-not-running",
  proves: "ovn-kubernetes",
  requiresNetworkContext: false,
  description:
    "ovnkube-node waited for the pod's OVN annotation, which the OVN-Kubernetes controller writes, and gave up.",
  matches: ({ scope }) => scope.includes("failed to get pod annotation"),
};
