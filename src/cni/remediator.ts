/**
 * What one CNI contributes to a repair, behind one interface: whether it can fix a node's case, the steps that fix
 * it (moving its files aside, restarting its agent), and the check that the node's CNI is sound again. The runner
 * and the planner in src/remediation are CNI-agnostic; everything a CNI means lives in its folder here (see
 * README.md in this folder for adding one).
 */
import type { CniPlugin } from "../diagnosis/message/classification.ts";
import type { Finding, NodeEvidence, NodeForensics, PodRef, RootCause } from "../diagnosis/model.ts";
import type { CommandTemplate } from "../nodes/index.ts";

/** One affected node as the planner sees it: its strongest root cause, its evidence and its stuck pods. */
export interface RemediationCase {
  node: string;
  rootCause: RootCause;
  cni: CniPlugin;
  evidence: NodeEvidence | null;
  finding: Finding;
  pods: PodRef[];
}

/** Files moved aside on one node, and where to. */
export interface QuarantineDetail {
  cniConfDir: string;
  /** The configured backup root; backupDir is `<backupRoot>/<evidenceId>`. */
  backupRoot: string;
  backupDir: string;
  /** Entry names in the conf dir, in byte order. */
  files: string[];
  /** The subset that are regular files (checksummed; directories are verified by listing). */
  regularFiles: string[];
  /** Why each file goes, e.g. "Calico's", "shadows 10-calico.conflist". */
  reasons: Record<string, string>;
}

export interface AgentDetail {
  namespace: string;
  pod: string;
  /** The agent as identity.ts names it, e.g. "calico-node", "kube-flannel" (the node evidence's `agentName`). */
  name: string;
  /** Why it was down (agent-not-running): container states and last termination. */
  whyDown: string[];
}

/**
 * Fields a step of one kind never has. They are declared (as never) so front ends can read any step's optional
 * fields without narrowing first; the kind still decides which ones are there.
 */
type Absent<K extends string> = { [P in K]?: never };

/** Moves files aside into the node's backup dir, proving the copies byte-identical. */
export interface QuarantineStep extends Absent<"pods" | "agent" | "owners"> {
  kind: "quarantine-cni-config";
  node: string;
  /** The exact command lines run on the node, in order. */
  commands: string[];
  /** One line for people. */
  description: string;
  quarantine: QuarantineDetail;
  /** The root cause the node's files verify against afterwards. */
  rootCause: RootCause;
  /**
   * The node's CNI agent (e.g. "calico-node", "cilium"): with the root cause, it finds the remediator that verifies the
   * node again at run time, when no restart step names it.
   */
  agentName: string | null;
}

/** Deletes the CNI agent's pod on the node so its DaemonSet starts a fresh one, then verifies the node. */
export interface RestartAgentStep extends Absent<"commands" | "quarantine" | "owners"> {
  kind: "restart-cni-agent";
  node: string;
  /** The agent pod, as namespace/name. */
  pods: string[];
  description: string;
  agent: AgentDetail;
  rootCause: RootCause;
}

/** The steps a CNI plans on one node; they run in order, before any pod is recycled. */
export type NodeFixStep = QuarantineStep | RestartAgentStep;

/** What the planner hands a remediator for one node. */
export interface NodeStepOptions {
  backupRoot: string;
  /** `<backupRoot>/<evidenceId>`: where this plan's moved files go. */
  backupDir: string;
  /** The exact command line the node would run for a template (sudo and all). */
  render: (template: CommandTemplate<unknown>) => string;
}

/** What a node should look like after a repair. */
export interface NodeExpectation {
  cniConfDir: string;
  /** The token the node held before; still holding it is a failure. */
  staleTokenFingerprint: string | null;
  /** Whether the CNI's credentials file must be there and valid (not after moving a shadowing config only). */
  needsCredentials: boolean;
  /** Conf dir entries the repair moved aside: the runtime must not be using one of them again. */
  movedAside: readonly string[];
}

/** What a verification may do: inspect a node read-only, and say what it looked at. */
export interface NodeCheckContext {
  /** Reads the node's CNI files afresh (conf dir, configs, credentials, TokenReview). Read-only. */
  inspectNode(node: string, cniConfDir: string): Promise<NodeForensics>;
  /** Records an API call or read made for the check, for the run's journal. */
  recordCall(description: string): void;
}

export interface NodeCniCheck {
  ok: boolean;
  lines: string[];
}

/**
 * What picks a remediator for a node, at planning time from the case and at run time from the plan's steps (so the
 * plan needs no field naming it): the node's root cause and the name of its CNI agent, if known.
 */
export interface RepairKey {
  rootCause: RootCause;
  agentName: string | null;
}

export interface CniRemediator {
  cni: CniPlugin;
  /** The agent DaemonSet names whose restart this remediator plans, e.g. ["calico-node"]. */
  agentNames: readonly string[];
  /** The root causes it fixes automatically. */
  fixes: ReadonlySet<RootCause>;
  canFix(key: RepairKey): boolean;
  /** The node's steps, in order; empty when nothing on the node needs changing. */
  planSteps(c: RemediationCase, options: NodeStepOptions): NodeFixStep[];
  /** Re-inspects the node and says whether its CNI is sound. Read-only. */
  verify(ctx: NodeCheckContext, node: string, expect: NodeExpectation): Promise<NodeCniCheck>;
}
