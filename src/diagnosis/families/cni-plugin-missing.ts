/**
 * The runtime cannot find a CNI plugin binary. A human installs it or fixes the runtime's bin dir.
 */
import type { FailureFamily } from "./family.ts";

export const cniPluginMissing: FailureFamily = {
  family: "cni-plugin-missing",
  guide: () => ({
    title: "The container runtime cannot find a CNI plugin binary",
    whatFailed:
      "The network config names a plugin (for example loopback, portmap or the CNI's own binary) that is not in any " +
      "directory the runtime searches.",
    likelyCauses: [
      "The CNI's installer copied its binaries to a different directory than the runtime's bin_dir (/opt/cni/bin vs /usr/libexec/cni, k3s data dirs).",
      "The standard plugins package (containernetworking-plugins) is not installed on the node.",
    ],
    checks: [
      "ssh <node> ls -la <plugin-search-path>",
      "ssh <node> sudo grep -n -e bin_dir -e plugin_dirs /etc/containerd/config.toml /etc/crio/crio.conf",
    ],
    fix: {
      automatic: false,
      summary:
        "No. A human must install the missing plugin or point the runtime's plugin directory at where the CNI installs it.",
    },
  }),
  clusterVerdict: () => ({
    rootCause: "cni-plugin-missing",
    confidence: "high",
    facts: ["The runtime cannot find the CNI plugin binary in its plugin directories."],
  }),
};
