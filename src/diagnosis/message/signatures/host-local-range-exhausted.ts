import type { Signature } from "./signature.ts";

export const hostLocalRangeExhausted: Signature = {
  id: "host-local-range-exhausted",
  family: "ip-exhausted",
  proves: "host-local",
  requiresNetworkContext: false,
  description:
    "host-local IPAM has no free address left in the node's range (often leaked reservations under /var/lib/cni/networks).",
  matches: ({ scope }) => scope.includes("no ip addresses available in range set"),
};
