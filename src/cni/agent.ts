/** What every CNI's restart step says about its agent. Pure. */
import type { NodeEvidence } from "../diagnosis/model.ts";

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
