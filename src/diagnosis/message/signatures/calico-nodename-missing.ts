import type { Signature } from "./signature.ts";

/** calico-node writes /var/lib/calico/nodename when it starts; the plugin cannot work before that. */
export const calicoNodenameMissing: Signature = {
  id: "calico-nodename-missing",
  family: "cni-agent-not-running",
  proves: "calico",
  requiresNetworkContext: false,
  description:
    "Calico's CNI plugin found no /var/lib/calico/nodename: calico-node is not running on the node.",
  matches: ({ scope }) => scope.includes("/var/lib/calico/nodename"),
};
