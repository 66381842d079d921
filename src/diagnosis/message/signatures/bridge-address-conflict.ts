import type { Signature } from "./signature.ts";

/** A bridge left from an earlier pod CIDR (cluster rebuilt, node re-joined) carries the old gateway address. */
export const bridgeAddressConflict: Signature = {
  id: "bridge-address-conflict",
  family: "bridge-address-conflict",
  proves: "bridge",
  requiresNetworkContext: false,
  description:
    "The bridge plugin found the bridge (usually cni0) holding an address from a different pod CIDR.",
  matches: ({ scope }) =>
    scope.includes("failed to set bridge addr") && scope.includes("already has an ip address different from"),
};
