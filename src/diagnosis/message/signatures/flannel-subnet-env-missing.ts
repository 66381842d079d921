import type { Signature } from "./signature.ts";

/** flanneld writes /run/flannel/subnet.env once it has a lease; a leftover flannel config on a non-flannel node shows this too. */
export const flannelSubnetEnvMissing: Signature = {
  id: "flannel-subnet-env-missing",
  family: "cni-agent-not-running",
  proves: "flannel",
  requiresNetworkContext: false,
  description:
    "The flannel plugin found no /run/flannel/subnet.env: flanneld is not running (or a stale flannel config is in use).",
  matches: ({ scope }) => scope.includes("/run/flannel/subnet.env"),
};
