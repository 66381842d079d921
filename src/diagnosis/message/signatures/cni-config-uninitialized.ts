import type { Signature } from "./signature.ts";

/** Each runtime words "no usable CNI config" differently; all of them mean the conf dir has nothing it can load. */
const NO_CONFIG = [
  "cni config uninitialized",
  "cni plugin not initialized",
  "no networks found in",
  "no network config found in",
  "no cni configuration file in",
];

export const cniConfigUninitialized: Signature = {
  id: "cni-config-uninitialized",
  family: "cni-config-missing",
  requiresNetworkContext: false,
  description: "The container runtime found no usable CNI network configuration on the node.",
  matches: ({ scope }) => NO_CONFIG.some((marker) => scope.includes(marker)),
};
