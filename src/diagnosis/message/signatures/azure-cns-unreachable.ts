import type { Signature } from "./signature.ts";

/** The azure-vnet plugin asks the node-local Azure CNS for an address over http://localhost:10090 (Azure/AKS#4342). */
export const azureCnsUnreachable: Signature = {
  id: "azure-cns-unreachable",
  family: "cni-agent-not-running",
  proves: "azure",
  requiresNetworkContext: false,
  description: "The Azure CNI plugin could not reach Azure CNS (the azure-cns pod) on localhost:10090.",
  matches: ({ scope }) =>
    (scope.includes("localhost:10090") || scope.includes("127.0.0.1:10090")) &&
    (scope.includes("connection refused") || scope.includes("no such host") || scope.includes("i/o timeout")),
};
