/**
 * Which CNI a message is about. Three sources, strongest first:
 * 1. what the matched signature proves (Calico's `ClusterInformation`, flannel's `subnet.env` …) — it overrides the
 *    plugin type only when that type says nothing (absent, unmapped) or names the Multus meta-plugin, whose
 *    delegate is the CNI that actually failed;
 * 2. the plugin type libcni printed (`plugin type="calico"`);
 * 3. evidence in the plugin error for messages no signature claims. These markers are looked for in the plugin's own
 *    error, not the wrapping, because the wrapping carries pod names that anyone creating a pod can choose.
 */
import type { CniPlugin } from "./message/classification.ts";

const CNI_BY_PLUGIN_TYPE: Readonly<Record<string, CniPlugin>> = {
  calico: "calico",
  "calico-ipam": "calico",
  flannel: "flannel",
  cilium: "cilium",
  "cilium-cni": "cilium",
  weave: "weave",
  "weave-net": "weave",
  "aws-cni": "aws-vpc-cni",
  "egress-cni": "aws-vpc-cni",
  "egress-v4-cni": "aws-vpc-cni",
  multus: "multus",
  "multus-shim": "multus",
  bridge: "bridge",
  "host-local": "host-local",
  loopback: "loopback",
  portmap: "portmap",
  ptp: "ptp",
  macvlan: "macvlan",
  ipvlan: "ipvlan",
  "kube-router": "kube-router",
  antrea: "antrea",
};

export function cniFromPluginType(pluginType: string | null | undefined): CniPlugin {
  if (!pluginType) return "unknown";
  return Object.hasOwn(CNI_BY_PLUGIN_TYPE, pluginType)
    ? (CNI_BY_PLUGIN_TYPE[pluginType] ?? "unknown")
    : "unknown";
}

/**
 * Substrings that only one CNI produces. Calico's network name is checked in the whole message: CRI-O prints it in
 * its wrapping (`to CNI network "k8s-pod-network"`), and a pod name cannot contain the quote that delimits it.
 */
const WRAPPING_EVIDENCE: ReadonlyArray<readonly [marker: string, cni: CniPlugin]> = [
  ['cni network "k8s-pod-network"', "calico"],
];
const PLUGIN_ERROR_EVIDENCE: ReadonlyArray<readonly [marker: string, cni: CniPlugin]> = [
  ["clusterinformation", "calico"],
  ["crd.projectcalico.org", "calico"],
  ["/var/lib/calico/", "calico"],
  ["/run/flannel/", "flannel"],
  ["cilium.sock", "cilium"],
  ["cilium agent", "cilium"],
  ["cilium-agent", "cilium"],
  ["cilium daemon", "cilium"],
  ["127.0.0.1:6784", "weave"],
  ["127.0.0.1:50051", "aws-vpc-cni"],
  ["addnetwork grpc", "aws-vpc-cni"],
  ["delnetwork grpc", "aws-vpc-cni"],
  ["multus: [", "multus"],
];

export function cniFromEvidence(lowerPluginError: string, lowerMessage: string): CniPlugin {
  for (const [marker, cni] of PLUGIN_ERROR_EVIDENCE) if (lowerPluginError.includes(marker)) return cni;
  for (const [marker, cni] of WRAPPING_EVIDENCE) if (lowerMessage.includes(marker)) return cni;
  return "unknown";
}

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
