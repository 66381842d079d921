/**
 * The steps of a CNI without a folder of its own, on one node. Its agent down (and neither crash-looping nor unable to
 * pull its image: src/remediation/plan.ts leaves those to a person): delete the agent pod so its DaemonSet starts a
 * fresh one. Another CNI's leftover config in the way: move it aside, and restart the agent only when the node holds
 * no config of its own (the agents write theirs as they start). Pure.
 */
import type { NodeInspection } from "../../diagnosis/model.ts";
import { restartAgentStep } from "../agent.ts";
import type { CniIdentity } from "../identity.ts";
import { quarantineDetail, quarantineTemplates } from "../quarantine.ts";
import type { NodeFixStep, NodeStepOptions, RemediationCase, RestartAgentStep } from "../remediator.ts";
import { shadowingConfigs } from "../shadowing.ts";

export function planAgentSteps(
  identity: CniIdentity,
  c: RemediationCase,
  options: NodeStepOptions,
): NodeFixStep[] {
  const inspection = c.evidence?.inspection ?? null;
  const steps: NodeFixStep[] = [];
  if (c.rootCause === "shadowing-cni-config" && inspection) {
    const reasons = Object.fromEntries(
      shadowingConfigs(inspection, identity.cni).map((f) => [f.name, f.reason]),
    );
    const quarantine = quarantineDetail(inspection, reasons, options.backupRoot, options.backupDir);
    if (quarantine.files.length > 0) {
      steps.push({
        kind: "quarantine-cni-config",
        node: c.node,
        commands: quarantineTemplates(quarantine).map(options.render),
        description: `Move ${quarantine.files.join(", ")} from ${quarantine.cniConfDir} on ${c.node} into ${options.backupDir} (kept, never deleted), check the copies are byte-identical, and check the runtime's first config is then ${identity.cni}'s.`,
        quarantine,
        rootCause: c.rootCause,
        agentName: c.evidence?.agentName ?? null,
      });
    }
    if (hasOwnConfig(inspection, identity)) return steps;
  }
  const restart = restartStep(identity, c);
  if (restart && (c.rootCause === "cni-agent-not-running" || c.rootCause === "shadowing-cni-config")) {
    steps.push(restart);
  }
  return steps;
}

function hasOwnConfig(inspection: NodeInspection, identity: CniIdentity): boolean {
  return inspection.configFiles.some((f) => f.cni === identity.cni);
}

function restartStep(identity: CniIdentity, c: RemediationCase): RestartAgentStep | null {
  const agent = c.evidence?.agent ?? null;
  const agentName = c.evidence?.agentName ?? null;
  if (!agent || !agentName) return null;
  return restartAgentStep(
    c,
    agent,
    agentName,
    `Restart ${agentName} on ${c.node} by deleting pod ${agent.namespace}/${agent.pod}, only if a DaemonSet controls it (the DaemonSet starts a replacement on ${c.node}); wait for the replacement to be Running and Ready and check the runtime's first config on ${c.node} is ${identity.cni}'s.`,
  );
}
