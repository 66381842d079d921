/**
 * Policy checks that do not depend on who approves: how many nodes a plan touches and whether any is a control-plane
 * node. Pure; the service looks up which nodes are control-plane nodes and passes them in.
 */
import type { RemediationPolicy } from "../config.ts";
import type { Plan } from "./plan.ts";

export type { RemediationPolicy };

export function policyViolations(
  plan: Plan,
  policy: Pick<RemediationPolicy, "maxNodesPerRun" | "allowControlPlane">,
  controlPlaneNodes: ReadonlySet<string>,
): string[] {
  const out: string[] = [];
  const nodes = plan.blastRadius.nodes;
  if (nodes.length > policy.maxNodesPerRun) {
    out.push(
      `The plan changes ${nodes.length} nodes (${nodes.join(", ")}); the policy allows at most ${policy.maxNodesPerRun} per run (CNI_DOCTOR_MAX_NODES_PER_RUN). Narrow it with --node, or raise the limit.`,
    );
  }
  const controlPlane = nodes.filter((n) => controlPlaneNodes.has(n));
  if (controlPlane.length > 0 && !policy.allowControlPlane) {
    out.push(
      `The plan changes control-plane node${controlPlane.length === 1 ? "" : "s"} ${controlPlane.join(", ")}; the policy does not allow that (CNI_DOCTOR_ALLOW_CONTROL_PLANE=false). Fix it by hand, or allow it explicitly.`,
    );
  }
  return out;
}

/** Labels kubeadm and most distributions put on control-plane nodes. */
export const CONTROL_PLANE_LABELS = [
  "node-role.kubernetes.io/control-plane",
  "node-role.kubernetes.io/master",
];

export function isControlPlaneNode(labels: Record<string, string> | undefined): boolean {
  return CONTROL_PLANE_LABELS.some((l) => labels?.[l] !== undefined);
}
