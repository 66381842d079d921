import type { Signature } from "./signature.ts";

/** The kube-ovn plugin posts to the kube-ovn-cni daemon on /run/openvswitch/kube-ovn-daemon.sock (kubeovn/kube-ovn#5836). */
export const kubeOvnDaemonUnreachable: Signature = {
  id: "kube-ovn-daemon-unreachable",
  family: "cni-agent-not-running",
  proves: "kube-ovn",
  requiresNetworkContext: false,
  description: "The Kube-OVN plugin could not reach the kube-ovn-cni daemon on its socket.",
  matches: ({ scope }) =>
    scope.includes("kube-ovn-daemon.sock") &&
    (scope.includes("no such file or directory") || scope.includes("connection refused")),
};
