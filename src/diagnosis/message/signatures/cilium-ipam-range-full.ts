import type { Signature } from "./signature.ts";

export const ciliumIpamRangeFull: Signature = {
  id: "cilium-ipam-range-full",
  family: "ip-exhausted",
  proves: "cilium",
  requiresNetworkContext: false,
  description: "The Cilium agent's IPAM has no free address in the node's pod CIDR.",
  matches: ({ scope }) => scope.includes("range is full"),
};
