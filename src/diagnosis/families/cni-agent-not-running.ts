/**
 * The CNI plugin cannot reach its node-local agent. cni-doctor can restart the agent after approval (unless it
 * crash-loops or cannot pull its image).
 */
import { agentPodCheck, type FailureFamily, LIST_CNI_CONFIG } from "./family.ts";

export const cniAgentNotRunning: FailureFamily = {
  family: "cni-agent-not-running",
  repairs: "cni-agent-not-running",
  guide: (_cni, agent) => ({
    title: "The node-local CNI agent is absent or down",
    whatFailed: `The CNI plugin needs ${agent.name} running on the node, and it is not there or not answering.`,
    likelyCauses: [
      `${agent.name} is crash-looping, still initialising, or not scheduled on the node (taints, resources).`,
      "A leftover config of another CNI in /etc/cni/net.d sorts first and shadows the real one (e.g. a flannel error on a Calico cluster).",
    ],
    checks: [
      agentPodCheck(agent),
      "kubectl logs -n <agent-namespace> <agent-pod> --all-containers --tail=100",
      LIST_CNI_CONFIG,
    ],
    fix: {
      automatic: true,
      summary:
        `Yes, after approval: cni-doctor restarts ${agent.name} on the node (deleting its pod, which its DaemonSet ` +
        "replaces); if a leftover config of another CNI shadows the real one, it moves that file aside (with a backup) " +
        "first. Not when the agent is crash-looping or cannot pull its image: a new pod would do the same, so the plan " +
        "shows its last termination and the commands to read its logs instead.",
    },
  }),
  clusterVerdict: ({ agentDown, agentFact }) => ({
    rootCause: "cni-agent-not-running",
    confidence: agentDown ? "high" : "medium",
    facts: [`The CNI plugin cannot reach its node agent. ${agentFact}.`],
  }),
};
