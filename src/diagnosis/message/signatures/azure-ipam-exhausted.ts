import type { Signature } from "./signature.ts";

/**
 * azure-vnet-ipam (Azure CNI without CNS, the node's secondary IPs as its pool) has none left: "Failed to allocate
 * pool: Failed to delegate: Failed to allocate address: No available addresses" (Azure/AKS#2532), or no pool at all
 * for a family (Azure/aks-engine#4263, dual stack).
 */
export const azureIpamExhausted: Signature = {
  id: "azure-ipam-exhausted",
  family: "ip-exhausted",
  proves: "azure",
  requiresNetworkContext: false,
  description: "azure-vnet-ipam has no free address left among the node's secondary IPs.",
  matches: ({ scope }) =>
    scope.includes("failed to allocate pool: failed to delegate") ||
    scope.includes("failed to allocate address: no available addresses"),
};
