/**
 * The public shape of one classified kubelet event or node-condition message. Other code (diagnosis service, Slack,
 * `cni-doctor explain --json`) depends on these names and values exactly: the family names are a public contract.
 */

/** What kind of CNI failure a message shows; `unknown` when it is not a CNI failure this catalog knows. */
export type Family =
  | "cni-credentials-rejected"
  | "cni-credentials-forbidden"
  | "cni-apiserver-untrusted"
  | "cni-apiserver-unreachable"
  | "cni-agent-not-running"
  | "cni-plugin-missing"
  | "cni-config-missing"
  | "ip-exhausted"
  | "bridge-address-conflict"
  | "unknown";

export const FAMILIES: readonly Family[] = [
  "cni-credentials-rejected",
  "cni-credentials-forbidden",
  "cni-apiserver-untrusted",
  "cni-apiserver-unreachable",
  "cni-agent-not-running",
  "cni-plugin-missing",
  "cni-config-missing",
  "ip-exhausted",
  "bridge-address-conflict",
  "unknown",
];

/** The CNI the message is about: from `plugin type="…"`, or from what the message proves. */
export type CniPlugin =
  | "calico"
  | "flannel"
  | "cilium"
  | "weave"
  | "aws-vpc-cni"
  | "multus"
  | "bridge"
  | "host-local"
  | "loopback"
  | "portmap"
  | "ptp"
  | "macvlan"
  | "ipvlan"
  | "kube-router"
  | "antrea"
  | "azure"
  | "kube-ovn"
  | "ovn-kubernetes"
  | "openshift-sdn"
  | "unknown";

/** CNI ADD (pod sandbox set-up), DEL (tear-down), or neither (node condition, unrecognised). */
export type Phase = "add" | "delete" | "none";

/** Which container runtime wrote the message, told apart by its wording (see the markers in runtime-wrapping.ts). */
export type RuntimeForm = "containerd" | "dockershim" | "cri-o" | "unknown";

export interface ClassificationDetails {
  /** Pod sandbox id as the runtime printed it (hex). */
  sandboxId?: string;
  /** API server the plugin tried to reach, e.g. `https://10.96.0.1:443`, or `10.96.0.1:443` from a bare dial. */
  apiServer?: string;
  /** Directories the runtime searched for a plugin binary, from `failed to find plugin "x" in path [...]`. */
  pluginSearchPath?: string[];
  pod?: string;
  namespace?: string;
  /** The plugin binary the message names: the missing one, or the raw `plugin type` value. */
  pluginName?: string;
  /** `<namespace>/<name>` of the service account an RBAC denial names. */
  serviceAccount?: string;
  /**
   * The meta-plugin that relayed the failing plugin's error, when that is not the CNI reported: Multus wraps its
   * delegate's error, so `cni` names the delegate and this names Multus.
   */
  wrappedBy?: CniPlugin;
  /** The resource an RBAC denial names, e.g. `clusterinformations.crd.projectcalico.org`. */
  forbiddenResource?: string;
}

export interface Classification {
  family: Family;
  cni: CniPlugin;
  phase: Phase;
  runtime: RuntimeForm;
  /** Id of the matched signature, e.g. "calico-unauthorized"; null when none matched. */
  signature: string | null;
  /** The plugin's own error text, extracted from the runtime's wrapping, with escaped quotes undone. */
  pluginError: string | null;
  details: ClassificationDetails;
  /** The input was longer than the classifier reads; only its beginning was classified. */
  truncated: boolean;
}
