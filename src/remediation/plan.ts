/**
 * The remediation plan: a pure function of a Diagnosis. It says, node by node, exactly what would change (the SSH
 * command lines, the pods deleted), what is left to a human, and which stuck pods are left alone; and it carries a
 * digest over its content and the evidence it rests on, so an approval is for this plan and this cluster state only.
 *
 * Each node's repair comes from its CNI's remediator (src/cni/registry.ts): the first that can fix the node's root
 * cause plans its steps. Everything else is a manual action. A node whose files were not inspected gets no automatic
 * fix: without them the plan could not say what it moves, nor the runner verify the token. Pods are recycled, and the
 * run verified, once every node is fixed.
 */
import { agentBeyondRestart } from "../cni/agent.ts";
import { AUTOMATIC_ROOT_CAUSES, RESTARTABLE_AGENTS, remediatorFor } from "../cni/registry.ts";
import type { RemediationCase } from "../cni/remediator.ts";
import type { Diagnosis, PodRef, RootCause } from "../diagnosis/index.ts";
import type { ClusterIdentity } from "../kube/types.ts";
import { type CommandTemplate, renderCommandLine } from "../nodes/index.ts";
import { canonicalJson, digestOf, sha256Hex } from "./digest.ts";
import { type EvidenceBasis, evidenceBasis, nodeCases, ownerKey, podKey } from "./evidence-basis.ts";
import type { PlanStep, RecyclePodsStep } from "./plan-steps.ts";

export type { EvidenceBasis } from "./evidence-basis.ts";
export { ownerKey } from "./evidence-basis.ts";
export type * from "./plan-steps.ts";

export const PLAN_VERSION = 1;
export const DEFAULT_BACKUP_ROOT = "/var/lib/cni-doctor/backup";

export interface ManualAction {
  node: string | null;
  rootCause: RootCause;
  /** What a human should check and do. */
  summary: string;
  checks: string[];
}

export interface ExcludedPod {
  pod: string;
  node: string;
  reason: string;
}

export interface Plan {
  version: number;
  /** sha256 over the plan's content and its evidence basis; approvals are bound to it. */
  digest: string;
  /** Short hash of the evidence alone; names the node backup directory. */
  evidenceId: string;
  cluster: ClusterIdentity;
  scope: { namespace: string | null; node: string | null };
  includeBarePods: boolean;
  steps: PlanStep[];
  blastRadius: { nodes: string[]; pods: string[] };
  manualActions: ManualAction[];
  excludedPods: ExcludedPod[];
  evidence: EvidenceBasis;
  /** True when no automatic step is needed (healthy, or only manual actions). */
  nothingToDo: boolean;
}

export interface PlanOptions {
  includeBarePods?: boolean;
  backupRoot?: string;
  /**
   * The exact command line a node would run for a template (NodeReader.commandLine, which knows about sudo). Defaults
   * to the template without sudo.
   */
  renderCommand?: (node: string, template: CommandTemplate<unknown>) => string;
}

/** Controllers that recreate a deleted pod. */
const RECREATING_OWNERS = new Set(["ReplicaSet", "StatefulSet", "DaemonSet", "Job"]);

export function planRemediation(diagnosis: Diagnosis, options: PlanOptions = {}): Plan {
  const includeBarePods = options.includeBarePods ?? false;
  const backupRoot = options.backupRoot ?? DEFAULT_BACKUP_ROOT;
  const render =
    options.renderCommand ??
    ((_node: string, t: CommandTemplate<unknown>) => renderCommandLine(t, { sudo: false }));
  const cases = nodeCases(diagnosis);
  const evidence = evidenceBasis(diagnosis, cases);
  const evidenceId = sha256Hex(canonicalJson(evidence)).slice(0, 16);
  const backupDir = `${backupRoot}/${evidenceId}`;

  const steps: PlanStep[] = [];
  const manualActions: ManualAction[] = [];
  const excludedPods: ExcludedPod[] = [];
  // Pods are recycled only once every node is fixed: a replacement may be scheduled on any node.
  const recycleSteps: RecyclePodsStep[] = [];
  const recycled: PodRef[] = [];

  for (const c of cases) {
    const reasonNotAutomatic = whyNotAutomatic(c);
    if (reasonNotAutomatic !== null) {
      const stuck = c.rootCause === "cni-agent-not-running" ? agentBeyondRestart(c.evidence, c.node) : null;
      manualActions.push({
        node: c.node,
        rootCause: c.rootCause,
        summary: reasonNotAutomatic,
        checks: [...(stuck?.checks ?? []), ...c.finding.suggestedChecks],
      });
      continue;
    }
    const remediator = remediatorFor(repairKey(c));
    steps.push(
      ...(remediator?.planSteps(c, { backupRoot, backupDir, render: (t) => render(c.node, t) }) ?? []),
    );
    const { toRecycle, excluded } = podsToRecycle(c.pods, includeBarePods);
    excludedPods.push(...excluded);
    if (toRecycle.length > 0) {
      recycled.push(...toRecycle);
      recycleSteps.push(recyclePodsStep(c.node, toRecycle));
    }
  }

  steps.push(...recycleSteps);
  const changed = steps.length > 0;
  if (changed) {
    steps.push({
      kind: "verify",
      pods: recycled.map(podKey),
      owners: ownersOf(recycled),
      description:
        "Verify: the recreated pods are Running and Ready, every Service selecting them has ready endpoints, and a fresh diagnosis is healthy.",
    });
  }

  const nodes = [...new Set(steps.flatMap((s) => (s.node ? [s.node] : [])))].sort();
  const pods = [...new Set(steps.filter((s) => s.kind !== "verify").flatMap((s) => s.pods ?? []))].sort();
  const content = {
    version: PLAN_VERSION,
    cluster: diagnosis.cluster,
    scope: diagnosis.scope,
    includeBarePods,
    steps,
    blastRadius: { nodes, pods },
    manualActions,
    excludedPods,
    evidence,
  };
  return { ...content, digest: digestOf(content), evidenceId, nothingToDo: !changed };
}

function repairKey(c: RemediationCase) {
  return { rootCause: c.rootCause, agentName: c.evidence?.agentName ?? null };
}

function ownersOf(pods: PodRef[]): string[] {
  return [...new Set(pods.filter((p) => p.owner).map((p) => ownerKey(p)))].sort();
}

/** Pods a controller recreates are recycled; bare ones only when asked, else listed with why they stay. */
function podsToRecycle(pods: PodRef[], includeBarePods: boolean) {
  const recreated = (p: PodRef) => p.owner !== null && RECREATING_OWNERS.has(p.owner.kind);
  const excluded: ExcludedPod[] = includeBarePods
    ? []
    : pods
        .filter((p) => !recreated(p))
        .map((p) => ({
          pod: podKey(p),
          node: p.node,
          reason: p.owner
            ? `owned by ${p.owner.kind} ${p.owner.name}, which does not recreate it`
            : "bare pod: nothing would recreate it (include bare pods to delete it anyway)",
        }));
  return { toRecycle: includeBarePods ? pods : pods.filter(recreated), excluded };
}

function recyclePodsStep(node: string, pods: PodRef[]): RecyclePodsStep {
  return {
    kind: "recycle-pods",
    node,
    pods: pods.map(podKey),
    owners: ownersOf(pods),
    description: `Delete the ${pods.length} stuck pod${pods.length === 1 ? "" : "s"} on ${node} that are still not running (guarded by uid) so their controllers recreate them, and wait for the replacements to be Running and Ready.`,
  };
}

function whyNotAutomatic(c: RemediationCase): string | null {
  if (!AUTOMATIC_ROOT_CAUSES.has(c.rootCause)) {
    return `No automatic fix for ${c.rootCause} on ${c.node}: ${c.finding.summary}. Check the evidence and the suggested commands, then fix by hand.`;
  }
  // Restarting an agent that crash-loops or cannot pull its image starts one that does the same: a person's job.
  const stuck = c.rootCause === "cni-agent-not-running" ? agentBeyondRestart(c.evidence, c.node) : null;
  if (stuck) return stuck.summary;
  const agentName = c.evidence?.agentName ?? null;
  if (!remediatorFor(repairKey(c))) {
    return `${c.rootCause} on ${c.node}: automatic fixes restart ${RESTARTABLE_AGENTS.join(", ")} only; this node's CNI agent is ${agentName ?? "unknown"}. Restart it by hand.`;
  }
  if (!c.evidence?.inspection) {
    const why = c.evidence?.notInspectedReason ? ` (${c.evidence.notInspectedReason.message})` : "";
    return `${c.rootCause} on ${c.node}: its CNI files were not inspected${why}, so no plan can say what it would move or verify the token afterwards. Re-run with a nodes file (--nodes-file) that reaches ${c.node}.`;
  }
  // A verdict resting on files the node would not let cni-doctor read is a guess: never move files on a guess.
  const unread =
    c.evidence.inspection.kubeconfig?.unreadable ?? c.evidence.inspection.configFiles[0]?.unreadable;
  if (unread) {
    return `${c.rootCause} on ${c.node} is a cluster-side guess: ${unread.message} No plan is made from files that could not be read.`;
  }
  if (c.rootCause !== "shadowing-cni-config" && !c.evidence.agent) {
    return `${c.rootCause} on ${c.node}: no ${agentName} pod runs there to restart. Check why its DaemonSet does not schedule one (taints, nodeSelector, the DaemonSet's events).`;
  }
  return null;
}
