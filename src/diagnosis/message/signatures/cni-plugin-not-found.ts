import { extractMissingPlugin } from "../runtime-wrapping.ts";
import type { Signature } from "./signature.ts";

export const cniPluginNotFound: Signature = {
  id: "cni-plugin-not-found",
  family: "cni-plugin-missing",
  requiresNetworkContext: false,
  description:
    "The runtime could not find a CNI plugin binary the network config names, in any of its plugin directories.",
  matches: ({ scope }) => scope.includes('failed to find plugin "'),
  details: ({ scope, scopeText }) => extractMissingPlugin(scopeText, scope),
};
