/**
 * The CNI plugin cannot reach its node-local agent. cni-doctor can restart the agent after approval.
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
        `Yes, after approval: cni-doctor restarts ${agent.name} on the node; if a leftover config of another CNI ` +
        "shadows the real one, it moves that file aside (with a backup) first.",
    },
  }),
  clusterVerdict: ({ agentDown, agentFact }) => ({
    rootCause: "cni-agent-not-running",
    confidence: agentDown ? "high" : "medium",
    facts: [`The CNI plugin cannot reach its node agent. ${agentFact}.`],
  }),
};
