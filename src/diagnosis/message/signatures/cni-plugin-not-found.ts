import { cniFromPluginType } from "../../../cni/identity.ts";
import { extractMissingPlugin } from "../runtime-wrapping.ts";
import type { Signature } from "./signature.ts";

export const cniPluginNotFound: Signature = {
  id: "cni-plugin-not-found",
  family: "cni-plugin-missing",
  requiresNetworkContext: false,
  description:
    "The runtime could not find a CNI plugin binary the network config names, in any of its plugin directories.",
  matches: ({ scope }) => scope.includes('failed to find plugin "'),
  // The missing binary names the CNI (flannel, antrea, portmap ...) even when no `plugin type` was printed.
  provenBy: ({ scope, scopeText }) => cniFromPluginType(extractMissingPlugin(scopeText, scope).pluginName),
  details: ({ scope, scopeText }) => extractMissingPlugin(scopeText, scope),
};
