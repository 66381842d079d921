import type { Signature } from "./signature.ts";

/** kube-ovn-cni relays the controller's answer: "request ip return 500 no available ip for pod ns/name" (kubeovn/kube-ovn#218). */
export const kubeOvnNoAvailableIp: Signature = {
  id: "kube-ovn-no-available-ip",
  family: "ip-exhausted",
  proves: "kube-ovn",
  requiresNetworkContext: false,
  description: "Kube-OVN's subnet has no free address for the pod.",
  matches: ({ scope }) => scope.includes("request ip return") && scope.includes("no available ip"),
};
