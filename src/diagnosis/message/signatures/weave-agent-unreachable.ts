import type { Signature } from "./signature.ts";

/** The weave-net plugin asks the weave router on 127.0.0.1:6784 for an address. */
export const weaveAgentUnreachable: Signature = {
  id: "weave-agent-unreachable",
  family: "cni-agent-not-running",
  proves: "weave",
  requiresNetworkContext: false,
  description: "The weave-net plugin could not reach the Weave router on 127.0.0.1:6784.",
  matches: ({ scope }) => scope.includes("127.0.0.1:6784") && scope.includes("connection refused"),
};
