/**
 * Which CNI a message is about. Three sources, strongest first:
 * 1. what the matched signature proves (Calico's `ClusterInformation`, flannel's `subnet.env` …) — it overrides the
 *    plugin type only when that type says nothing (absent, unmapped) or names the Multus meta-plugin, whose
 *    delegate is the CNI that actually failed;
 * 2. the plugin type libcni printed (`plugin type="calico"`);
 * 3. evidence in the plugin error for messages no signature claims. These markers are looked for in the plugin's own
 *    error, not the wrapping, because the wrapping carries pod names that anyone creating a pod can choose.
 * Each CNI's plugin types and markers are part of its identity, in src/cni.
 */
import { cniFromEvidence, cniFromPluginType } from "../cni/identity.ts";
import type { CniPlugin } from "./message/classification.ts";

export interface CniSources {
  /** What the matched signature proves, if anything. */
  proven: CniPlugin | undefined;
  pluginType: string | null;
  /** Lower-cased plugin error, or the whole message when no plugin error was found. */
  lowerScope: string;
  lowerMessage: string;
}

export function resolveCni({ proven, pluginType, lowerScope, lowerMessage }: CniSources): CniPlugin {
  const fromType = cniFromPluginType(pluginType);
  if (
    proven &&
    proven !== "unknown" &&
    (fromType === "unknown" || (fromType === "multus" && proven !== "multus"))
  ) {
    return proven;
  }
  if (fromType !== "unknown") return fromType;
  return cniFromEvidence(lowerScope, lowerMessage);
}
