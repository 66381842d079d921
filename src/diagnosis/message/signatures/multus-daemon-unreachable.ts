import type { Signature } from "./signature.ts";

/** Thick Multus: the multus-shim binary sends every call to the multus daemon on /run/multus/multus.sock (k8snetworkplumbingwg/multus-cni#1165). */
export const multusDaemonUnreachable: Signature = {
  id: "multus-daemon-unreachable",
  family: "cni-agent-not-running",
  proves: "multus",
  requiresNetworkContext: false,
  description:
    "The multus-shim plugin could not reach the Multus daemon (kube-multus-ds) on /run/multus/multus.sock.",
  matches: ({ scope }) =>
    scope.includes("/run/multus/multus.sock") &&
    (scope.includes("connection refused") || scope.includes("no such file or directory")),
};
