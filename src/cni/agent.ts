/** What every CNI's restart step says about its agent, and the step itself. Pure. */
import type { NodeEvidence } from "../diagnosis/model.ts";
import type { RemediationCase, RestartAgentStep } from "./remediator.ts";

/**
 * The step that deletes the node's agent pod so its DaemonSet starts a fresh one; `description` says what the CNI's
 * replacement does and how the node is checked afterwards (each CNI's own words).
 */
export function restartAgentStep(
  c: RemediationCase,
  agent: { namespace: string; pod: string },
  agentName: string,
  description: string,
): RestartAgentStep {
  return {
    kind: "restart-cni-agent",
    node: c.node,
    pods: [`${agent.namespace}/${agent.pod}`],
    description,
    agent: {
      namespace: agent.namespace,
      pod: agent.pod,
      name: agentName,
      whyDown: c.rootCause === "cni-agent-not-running" ? describeWhyDown(c.evidence) : [],
    },
    rootCause: c.rootCause,
  };
}

/** Why the agent was down (agent-not-running): its pod's phase and each container's state and last termination. */
export function describeWhyDown(evidence: NodeEvidence | null): string[] {
  const agent = evidence?.agent;
  if (!agent) return ["no agent pod on the node"];
  const lines = [
    `pod ${agent.namespace}/${agent.pod}: phase ${agent.phase}, ready ${agent.ready}, ${agent.restarts} restarts`,
  ];
  for (const c of agent.containers) {
    const last = c.lastTermination
      ? `; last terminated: ${c.lastTermination.reason}, exit code ${c.lastTermination.exitCode}${c.lastTermination.finishedAt ? ` at ${c.lastTermination.finishedAt}` : ""}`
      : "";
    lines.push(`container ${c.name}: ${c.state}, ${c.restartCount} restarts${last}`);
  }
  return lines;
}

/**
 * Waiting reasons a fresh pod inherits: the kubelet shows CrashLoopBackOff when the container keeps exiting, and
 * ErrImagePull / ImagePullBackOff when the image cannot be pulled (kubelet's images/types.go and
 * kuberuntime_container.go). Deleting the pod starts a replacement with the same spec on the same node, which does the
 * same; only a person can fix the cause (the image, the registry, the node's state the agent crashes on).
 */
const BEYOND_RESTART = new Set(["CrashLoopBackOff", "ImagePullBackOff", "ErrImagePull", "InvalidImageName"]);

/** An agent a restart cannot fix: what it is stuck on, the last termination, and the commands that show why. */
export interface AgentStuck {
  summary: string;
  checks: string[];
}

export function agentBeyondRestart(evidence: NodeEvidence | null, node: string): AgentStuck | null {
  const agent = evidence?.agent;
  if (!agent || agent.ready) return null;
  const candidates = [
    ...(agent.initContainers ?? []).map((c) => ({ c, init: true })),
    ...agent.containers.map((c) => ({ c, init: false })),
  ];
  const stuck = candidates.find(({ c }) => BEYOND_RESTART.has(c.state.replace(/^waiting: /, "")));
  if (!stuck) return null;
  const { c, init } = stuck;
  const reason = c.state.replace(/^waiting: /, "");
  const shown = init ? `Init:${reason}` : reason;
  const pull = reason !== "CrashLoopBackOff";
  const last = c.lastTermination;
  const lastWords = last
    ? ` Last termination: ${last.reason || "unknown reason"}, exit code ${last.exitCode}${last.message ? `, message ${JSON.stringify(last.message.trim().slice(0, 300))}` : ""}.`
    : "";
  const summary = pull
    ? `${evidence?.agentName ?? "The CNI agent"} pod ${agent.namespace}/${agent.pod} on ${node} cannot pull the image of its ${init ? "init " : ""}container ${c.name} (${shown}); a restarted pod would pull the same image and fail the same way, so no restart is planned. Check the image name and that ${node} can reach its registry.${lastWords}`
    : `${evidence?.agentName ?? "The CNI agent"} pod ${agent.namespace}/${agent.pod} on ${node} is in ${shown}: its ${init ? "init " : ""}container ${c.name} keeps exiting (${c.restartCount} restarts), and a restarted pod would crash the same way, so no restart is planned.${lastWords} Read its logs to see why.`;
  const checks = [
    ...(last || !pull ? [`kubectl logs -n ${agent.namespace} ${agent.pod} -c ${c.name} --previous`] : []),
    `kubectl describe pod -n ${agent.namespace} ${agent.pod}`,
  ];
  return { summary, checks };
}
