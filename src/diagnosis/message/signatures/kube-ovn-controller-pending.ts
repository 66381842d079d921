import type { Signature } from "./signature.ts";

/**
 * kube-ovn-cni answers the plugin only once kube-ovn-controller has allocated the pod's address and route; until then it
 * returns "no address allocated to pod …" or "route is not ready for pod …", both ending in "please see
 * kube-ovn-controller logs to find errors" (kubeovn/kube-ovn#2186, #1405).
 */
export const kubeOvnControllerPending: Signature = {
  id: "kube-ovn-controller-pending",
  family: "cni-agent-not-running",
  proves: "kube-ovn",
  requiresNetworkContext: false,
  description:
    "kube-ovn-controller has not allocated the pod's address or route, so kube-ovn-cni cannot set the pod up.",
  matches: ({ scope }) =>
    (scope.includes("no address allocated to pod") || scope.includes("route is not ready for pod")) &&
    scope.includes("kube-ovn-controller"),
};
