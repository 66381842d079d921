/**
 * Calico's steps on one node. A stale config or a shadowing one: move the files aside (calico/quarantine.ts). Then,
 * unless only a shadowing config was in the way, restart calico-node: its install-cni init container writes fresh CNI
 * files and a fresh token. Pure.
 */
import { restartAgentStep } from "../agent.ts";
import { quarantineTemplates } from "../quarantine.ts";
import type { NodeFixStep, NodeStepOptions, RemediationCase } from "../remediator.ts";
import { CALICO_NODE } from "./identity.ts";
import { calicoFilesToQuarantine } from "./quarantine.ts";

export function planCalicoSteps(c: RemediationCase, options: NodeStepOptions): NodeFixStep[] {
  const steps: NodeFixStep[] = [];
  const { backupRoot, backupDir } = options;
  const inspection = c.evidence?.inspection ?? null;
  const agent = c.evidence?.agent ?? null;
  const agentName = c.evidence?.agentName ?? CALICO_NODE;

  if (inspection && (c.rootCause === "stale-cni-config" || c.rootCause === "shadowing-cni-config")) {
    const quarantine = calicoFilesToQuarantine(c, backupRoot, backupDir);
    if (quarantine.files.length > 0) {
      steps.push({
        kind: "quarantine-cni-config",
        node: c.node,
        commands: quarantineTemplates(quarantine).map(options.render),
        description: `Move ${quarantine.files.join(", ")} from ${quarantine.cniConfDir} on ${c.node} into ${backupDir} (kept, never deleted), and check the copies are byte-identical.`,
        quarantine,
        rootCause: c.rootCause,
        agentName: agentName,
      });
    }
  }
  if (c.rootCause !== "shadowing-cni-config" && agent) {
    steps.push(
      restartAgentStep(
        c,
        agent,
        agentName,
        `Restart ${agentName} on ${c.node} by deleting pod ${agent.namespace}/${agent.pod} (its DaemonSet starts a replacement, whose install-cni writes fresh CNI files); wait for it to be Ready and check the node's calico-kubeconfig holds a token the API server accepts.`,
      ),
    );
  }
  return steps;
}
