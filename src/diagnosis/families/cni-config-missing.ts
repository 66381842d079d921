/**
 * The runtime has no usable CNI config. When the CNI's agent is down, that agent (which writes the config) is the
 * cause; cni-doctor can restart it after approval.
 */
import { agentPodCheck, type FailureFamily, LIST_CNI_CONFIG } from "./family.ts";

export const cniConfigMissing: FailureFamily = {
  family: "cni-config-missing",
  repairs: "cni-agent-not-running",
  guide: (_cni, agent) => ({
    title: "No usable CNI configuration on the node",
    whatFailed:
      "The container runtime found no network configuration it can load, so it cannot give any pod a network; the " +
      "node reports NetworkReady=false.",
    likelyCauses: [
      "No CNI is installed yet, or its agent has not reached the step that writes the config.",
      "The runtime reads a different conf dir than the one the CNI writes to (k3s, microk8s, operator confDir).",
      "The runtime loaded its config before the file existed and has not picked it up.",
    ],
    checks: [
      LIST_CNI_CONFIG,
      agentPodCheck(agent),
      "ssh <node> sudo grep -n -e conf_dir -e network_dir /etc/containerd/config.toml /etc/crio/crio.conf",
    ],
    fix: {
      automatic: true,
      summary:
        `Partly, after approval: cni-doctor can restart ${agent.name} on the node so its installer writes the config ` +
        "again. If no CNI is installed, or the runtime reads another directory, a human must act.",
    },
  }),
  clusterVerdict: ({ agentName, agentDown, agentFact }) => {
    if (agentName && agentDown) {
      return {
        rootCause: "cni-agent-not-running",
        confidence: "medium",
        facts: [
          "The node has no usable CNI configuration.",
          `${agentFact}; it writes the configuration when it starts.`,
        ],
      };
    }
    return {
      rootCause: "cni-config-missing",
      confidence: "medium",
      facts: ["The container runtime finds no usable CNI configuration on the node."],
    };
  },
};
