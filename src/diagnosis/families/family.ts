/**
 * One failure family (the `family` a classified message carries) is one file in this folder exporting a
 * FailureFamily: what it means for people (the guide `cni-doctor explain` and every finding show) and what it most
 * likely means for the node from cluster-side evidence alone (its verdict). ./index.ts is the registry. Adding a family
 * = add it to the `Family` union (message/classification.ts), one file here, one line in ./index.ts.
 */
import type { CniAgentKind } from "../../cni/identity.ts";
import type { CniPlugin, Family } from "../message/classification.ts";
import type { AgentStatus, RootCause, RootCauseVerdict } from "../model.ts";

export interface FamilyGuide {
  family: Family;
  /** One line, e.g. "The CNI plugin's API credentials were rejected (HTTP 401)". */
  title: string;
  whatFailed: string;
  likelyCauses: string[];
  /** Read-only commands. `<node>` stands for the node the pod is on; details from the message are filled in. */
  checks: string[];
  fix: {
    /** cni-doctor can repair this itself, behind an approval. */
    automatic: boolean;
    summary: string;
  };
}

/** The agent named in guides; for a CNI without a known agent, a generic stand-in. */
export type NodeAgent = Pick<CniAgentKind, "name" | "labelSelector">;

/** What the cluster shows about a failing node, for the cluster-side verdict. */
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

export interface VerdictContext extends RootCauseInput {
  /** No agent pod on the node, or one that is not Ready. */
  agentDown: boolean;
  /** The agent's state in words, e.g. "calico-node pod calico-node-x is not Ready (waiting: CrashLoopBackOff), 4 restarts". */
  agentFact: string;
}

export interface FailureFamily {
  readonly family: Family;
  /**
   * The root cause whose remediation the guide's `fix` describes when it says yes. The yes stands only where a
   * remediator in src/cni plans that repair for the node's agent (familyGuide asks the registry); elsewhere it is no.
   */
  readonly repairs?: RootCause;
  /** The guide without its family; `<placeholders>` in the checks are filled from the message by familyGuide. */
  guide(cni: CniPlugin, agent: NodeAgent): Omit<FamilyGuide, "family">;
  /** The most likely root cause from what the cluster shows; node forensics (SSH) may refine it. Pure. */
  clusterVerdict(context: VerdictContext): RootCauseVerdict;
}

export function agentPodCheck(agent: NodeAgent): string {
  return `kubectl get pods -A -l ${agent.labelSelector} -o wide --field-selector spec.nodeName=<node>`;
}

export const LIST_CNI_CONFIG = "ssh <node> sudo ls -la --time-style=full-iso /etc/cni/net.d";
