/**
 * One node's repair as the runner carries it out: its fix steps in order, the CNI remediator that verifies them, and
 * what has happened so far (files moved, node verified), which decides whether a failure rolls the node back.
 */

import { remediatorFor } from "../../cni/registry.ts";
import type { CniRemediator } from "../../cni/remediator.ts";
import type { Plan } from "../plan.ts";
import { isNodeFixStep, type NodeFixStep } from "../plan-steps.ts";
import type { QuarantineRecord } from "./quarantine-cni-config.ts";

export interface NodeRepair {
  node: string;
  steps: NodeFixStep[];
  remediator: CniRemediator;
  /** The token the node held when the plan was made; still holding it after a restart is a failure. */
  staleTokenFingerprint: string | null;
  /** Set as soon as files may have moved: a failure from then on restores them. */
  moved: QuarantineRecord | null;
  /** The node's CNI was checked sound after the change: nothing to roll back. */
  verified: boolean;
}

/**
 * The node's repair, or why it cannot start. The remediator is found again from the plan's own steps (the node's root
 * cause and the agent it restarts), as the planner found it, so the plan names no remediator.
 */
export function startRepair(plan: Plan, node: string): NodeRepair | string {
  const steps = plan.steps.filter((s): s is NodeFixStep => isNodeFixStep(s) && s.node === node);
  const restart = steps.find((s) => s.kind === "restart-cni-agent");
  const quarantine = steps.find((s) => s.kind === "quarantine-cni-config");
  const rootCause = steps[0]?.rootCause ?? "unknown";
  // A plan journaled before quarantine steps named their agent has none: no remediator, nothing changed.
  const agentName = restart?.agent.name ?? quarantine?.agentName ?? null;
  const remediator = remediatorFor({ rootCause, agentName });
  if (!remediator) {
    return `no CNI remediator fixes ${rootCause} on ${node}${agentName ? ` with agent ${agentName}` : ""}; nothing was changed there. Diagnose again for a fresh plan.`;
  }
  return {
    node,
    steps,
    remediator,
    staleTokenFingerprint: plan.evidence.nodes.find((n) => n.node === node)?.kubeconfig?.token ?? null,
    moved: null,
    verified: false,
  };
}

export function repairOf(scope: { repair: NodeRepair | null }, step: NodeFixStep): NodeRepair {
  if (!scope.repair) throw new Error(`${step.kind} on ${step.node} runs outside its node's repair`);
  return scope.repair;
}
