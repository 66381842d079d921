/**
 * Cluster-side root-cause rules: from a failure family and what the cluster shows about the node's CNI agent, the
 * most likely cause with a confidence. Pure. Node inspection (SSH) refines these; without it, the Unauthorized case is
 * a guess and says so.
 */
import type { CniPlugin, Family } from "./classification.ts";
import type { AgentStatus, Confidence, RootCause } from "./diagnosis.ts";

export interface RootCauseInput {
  family: Family;
  cni: CniPlugin;
  /** The agent pod on the node, or null when none runs there. */
  agent: AgentStatus | null;
  /** Name of the agent expected on the node (e.g. "calico-node"); null when no known agent is deployed. */
  agentName: string | null;
  /** The CNIs whose agents are deployed in the cluster. */
  deployedCnis: readonly CniPlugin[];
}

export interface RootCauseVerdict {
  rootCause: RootCause;
  confidence: Confidence;
  /** Why, in plain sentences. */
  facts: string[];
}

/** CNIs that chain or delegate to another and so may legitimately appear without their own agent DaemonSet. */
const DELEGATING: readonly CniPlugin[] = [
  "multus",
  "bridge",
  "host-local",
  "loopback",
  "portmap",
  "ptp",
  "unknown",
];

export function clusterSideRootCause(input: RootCauseInput): RootCauseVerdict {
  const { family, cni, agent, agentName } = input;
  const agentDown = agent === null || !agent.ready;
  const agentLabel = agentName ?? "the CNI agent";
  const agentFact = describeAgent(agent, agentLabel);

  if (
    family !== "unknown" &&
    input.deployedCnis.length > 0 &&
    !DELEGATING.includes(cni) &&
    !input.deployedCnis.includes(cni)
  ) {
    return {
      rootCause: "shadowing-cni-config",
      confidence: "medium",
      facts: [
        `Pods fail with ${cni}'s error, but no ${cni} agent is deployed; the cluster runs ${input.deployedCnis.join(", ")}.`,
        `A leftover ${cni} config file probably sorts before the live CNI's in the node's conf dir (the runtime uses the first).`,
      ],
    };
  }

  switch (family) {
    case "cni-credentials-rejected":
      if (agentName && agentDown) {
        return {
          rootCause: "cni-token-expired",
          confidence: "medium",
          facts: [
            "The API server rejects the CNI plugin's token (HTTP 401).",
            `${agentFact}; it refreshes the token only while it runs, so the token has most likely expired.`,
          ],
        };
      }
      return {
        rootCause: "stale-cni-config",
        confidence: "low",
        facts: [
          "The API server rejects the CNI plugin's token (HTTP 401).",
          ...(agent ? [`${agentFact}.`] : []),
          "Cluster-side guess: the node's CNI files were not inspected, so a stale kubeconfig from an earlier cluster, an expired token and a revoked token cannot be told apart yet. Inspecting the node (--nodes-file) settles it.",
        ],
      };
    case "cni-credentials-forbidden":
      return {
        rootCause: "rbac-forbidden",
        confidence: "high",
        facts: [
          "The CNI plugin authenticated but RBAC denies it (HTTP 403): its ClusterRole does not match the CNI version.",
        ],
      };
    case "cni-apiserver-untrusted":
      return {
        rootCause: "apiserver-untrusted",
        confidence: "medium",
        facts: ["The CNI plugin does not trust the API server's certificate: its CA is not the cluster's."],
      };
    case "cni-apiserver-unreachable":
      return {
        rootCause: "apiserver-unreachable",
        confidence: "medium",
        facts: [
          "The CNI plugin cannot reach the API server, usually the kubernetes Service VIP through kube-proxy.",
        ],
      };
    case "cni-agent-not-running":
      return {
        rootCause: "cni-agent-not-running",
        confidence: agentDown ? "high" : "medium",
        facts: [`The CNI plugin cannot reach its node agent. ${agentFact}.`],
      };
    case "cni-config-missing":
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
    case "cni-plugin-missing":
      return {
        rootCause: "cni-plugin-missing",
        confidence: "high",
        facts: ["The runtime cannot find the CNI plugin binary in its plugin directories."],
      };
    case "ip-exhausted":
      return {
        rootCause: "ip-exhausted",
        confidence: "high",
        facts: ["IPAM has no free address for new pods."],
      };
    case "bridge-address-conflict":
      return {
        rootCause: "bridge-address-conflict",
        confidence: "high",
        facts: ["The node's bridge still carries an address from an earlier pod CIDR."],
      };
    case "unknown":
      return {
        rootCause: "unknown",
        confidence: "low",
        facts: ["The sandbox failure does not match a CNI failure cni-doctor knows."],
      };
  }
}

export function describeAgent(agent: AgentStatus | null, agentLabel: string): string {
  if (!agent) return `No ${agentLabel} pod runs on the node`;
  const waiting = agent.containers.find((c) => c.state.startsWith("waiting"));
  const state = agent.ready ? "is Ready" : `is not Ready (${waiting?.state ?? agent.phase})`;
  return `${agentLabel} pod ${agent.pod} ${state}, ${agent.restarts} restart${agent.restarts === 1 ? "" : "s"}`;
}
