/**
 * The Diagnosis: plain, serialisable data that every front end renders and the planner reads. Its JSON form
 * (`cni-doctor diagnose --json`) is a public contract.
 */
import type { ClusterIdentity } from "../kube/types.ts";
import type { NodeInspection, NotInspectedReason } from "./forensics/inspection.ts";
import type { CniPlugin, Family } from "./message/classification.ts";

export type * from "./forensics/inspection.ts";

/** Why pods on a node cannot get a network. The values are a public contract. */
export type RootCause =
  | "stale-cni-config"
  | "cni-token-expired"
  | "cni-token-revoked"
  | "cni-agent-not-running"
  | "shadowing-cni-config"
  | "rbac-forbidden"
  | "apiserver-unreachable"
  | "apiserver-untrusted"
  | "ip-exhausted"
  | "cni-plugin-missing"
  | "cni-config-missing"
  | "bridge-address-conflict"
  | "clock-skew"
  | "unknown";

/** Each root cause in a few words, for headings ("3 pods stuck on node w1: <title>"). */
export const ROOT_CAUSE_TITLES: Record<RootCause, string> = {
  "stale-cni-config": "stale CNI config from an earlier cluster",
  "cni-token-expired": "the CNI plugin's token expired",
  "cni-token-revoked": "the CNI plugin's token was revoked",
  "cni-agent-not-running": "the CNI agent is not running",
  "shadowing-cni-config": "another CNI's leftover config shadows the live one",
  "rbac-forbidden": "RBAC denies the CNI plugin",
  "apiserver-unreachable": "the CNI plugin cannot reach the API server",
  "apiserver-untrusted": "the CNI plugin does not trust the API server's certificate",
  "ip-exhausted": "no pod IPs left",
  "cni-plugin-missing": "a CNI plugin binary is missing",
  "cni-config-missing": "no CNI configuration on the node",
  "bridge-address-conflict": "the bridge has an address from an old pod CIDR",
  "clock-skew": "the node's clock is far off",
  unknown: "a sandbox failure cni-doctor does not recognise",
};

export type Confidence = "high" | "medium" | "low";

/** A root cause with how sure it is and why. */
export interface RootCauseVerdict {
  rootCause: RootCause;
  confidence: Confidence;
  /** Why, in plain sentences. */
  facts: string[];
}

/** Why a pod counts as stuck. */
export type StuckReason = "ContainerCreating" | "Terminating";

export interface PodRef {
  namespace: string;
  name: string;
  node: string;
  phase: string;
  reason: StuckReason;
  /** The controller that owns the pod (and so recreates it), or null for a bare pod. */
  owner: { kind: string; name: string } | null;
}

export interface EventSample {
  reason: string;
  type: string;
  /** The kubelet's message verbatim (capped). Untrusted text: render it escaped. */
  message: string;
  count: number;
  firstSeen: string | null;
  lastSeen: string | null;
  /** namespace/name of the pod the event is about. */
  pod: string;
}

export interface ContainerState {
  name: string;
  ready: boolean;
  restartCount: number;
  /** "running", "waiting" or "terminated", with the reason where there is one, e.g. "waiting: CrashLoopBackOff". */
  state: string;
  lastTermination: {
    reason: string;
    exitCode: number;
    finishedAt: string | null;
    /** The container's termination message (its last words), when it left one; absent in older evidence. */
    message?: string | null;
  } | null;
}

export interface AgentStatus {
  namespace: string;
  pod: string;
  phase: string;
  ready: boolean;
  restarts: number;
  startedAt: string | null;
  containers: ContainerState[];
  /** Init containers (install-cni, …): an agent that cannot pull or run one never starts its containers. */
  initContainers?: ContainerState[];
}

export interface NodeEvidence {
  name: string;
  /** Ready condition: "True", "False" or "Unknown", with reason and message. */
  ready: { status: string; reason: string | null; message: string | null } | null;
  networkUnavailable: { status: string; reason: string | null } | null;
  /** The CNI agent pod on this node; null when none runs there (itself evidence). */
  agent: AgentStatus | null;
  /** Name of the agent looked for, e.g. "calico-node"; null when the cluster's CNI agent is unknown. */
  agentName: string | null;
  /** What the node's CNI files showed (SSH, with a nodes file); null when the node was not inspected. */
  inspection: NodeInspection | null;
  /** Why an inspection was attempted but failed (the node keeps its cluster-side finding); null otherwise. */
  notInspectedReason: NotInspectedReason | null;
}

export interface Evidence {
  /** One representative event, the most recent. */
  event: EventSample | null;
  /** Sum of the sandbox-failure events' counts. */
  eventCount: number;
  firstSeen: string | null;
  lastSeen: string | null;
  nodes: NodeEvidence[];
  /** Evidence in plain sentences, strongest first. */
  facts: string[];
}

export interface Finding {
  family: Family;
  cni: CniPlugin;
  rootCause: RootCause;
  confidence: Confidence;
  /** One line, for headings and Slack. */
  summary: string;
  nodes: string[];
  pods: PodRef[];
  evidence: Evidence;
  /** Read-only commands an engineer would run to confirm. */
  suggestedChecks: string[];
}

export interface DiagnosisError {
  /** What was being done, e.g. "list pods in all namespaces". */
  operation: string;
  failure: string;
  message: string;
}

export interface Diagnosis {
  cluster: ClusterIdentity;
  /** True only when everything was checked and nothing is wrong. A partial check is never healthy. */
  healthy: boolean;
  checkedAt: string;
  scope: { namespace: string | null; node: string | null };
  /** What was looked at, so "healthy" can say what it rests on. */
  checked: { pendingPods: number; sandboxEvents: number; nodes: number; cniAgents: string[] };
  findings: Finding[];
  errors: DiagnosisError[];
}
