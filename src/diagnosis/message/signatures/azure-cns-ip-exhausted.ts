import type { Signature } from "./signature.ts";

/**
 * Azure CNS has no free IP in the node's NodeNetworkConfig: "AllocateIPConfig failed: not enough IPs available …,
 * waiting on Azure CNS to allocate more" (MicrosoftDocs/architecture-center#4402, AKS troubleshooting guide).
 */
export const azureCnsIpExhausted: Signature = {
  id: "azure-cns-ip-exhausted",
  family: "ip-exhausted",
  proves: "azure",
  requiresNetworkContext: false,
  description: "Azure CNS has no free IP for the pod on this node and is waiting for more from the subnet.",
  matches: ({ scope }) => scope.includes("not enough ips available") && scope.includes("cns"),
};
