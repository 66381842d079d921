import type { Signature } from "./signature.ts";

/** Calico IPAM's partial-fulfilment error: "failed to request IPv4 addresses: Assigned 0 out of 1 …; No IPs available in pools: […]". */
export const calicoIpamExhausted: Signature = {
  id: "calico-ipam-exhausted",
  family: "ip-exhausted",
  proves: "calico",
  requiresNetworkContext: false,
  description: "Calico IPAM could not assign an address: the IP pools (or the node's blocks) are exhausted.",
  matches: ({ scope }) =>
    scope.includes("no ips available in pools") ||
    scope.includes("failed to request ipv4 addresses") ||
    scope.includes("failed to request ipv6 addresses") ||
    scope.includes("no more free affine blocks"),
};
