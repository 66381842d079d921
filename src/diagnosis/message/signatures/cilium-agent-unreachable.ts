import type { Signature } from "./signature.ts";

export const ciliumAgentUnreachable: Signature = {
  id: "cilium-agent-unreachable",
  family: "cni-agent-not-running",
  proves: "cilium",
  requiresNetworkContext: false,
  description: "The cilium-cni plugin could not reach the Cilium agent on its socket.",
  matches: ({ scope }) =>
    scope.includes("cilium.sock") ||
    scope.includes("unable to connect to cilium") ||
    // cilium-cni's API call to the agent timed out: the agent is up but not answering (cilium/cilium#32399, #16038).
    scope.includes("cilium api client timeout exceeded") ||
    (scope.includes("is the agent running") && scope.includes("cilium")),
};
