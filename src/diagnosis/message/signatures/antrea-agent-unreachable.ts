import type { Signature } from "./signature.ts";

/** The antrea binary relays every CNI call to antrea-agent over /var/run/antrea/cni.sock (antrea-io/antrea#832). */
export const antreaAgentUnreachable: Signature = {
  id: "antrea-agent-unreachable",
  family: "cni-agent-not-running",
  proves: "antrea",
  requiresNetworkContext: false,
  description: "The Antrea CNI binary could not reach antrea-agent on /var/run/antrea/cni.sock.",
  matches: ({ scope }) =>
    scope.includes("/var/run/antrea/cni.sock") &&
    (scope.includes("no such file or directory") || scope.includes("connection refused")),
};
