/**
 * A plan's steps: one type per kind, told apart by `kind`. The node steps (moving files aside, restarting the CNI
 * agent) come from the node's CNI remediator in src/cni; recycling the stuck pods and the final verification are the
 * same for every CNI. The runner looks each kind's executor up in STEP_EXECUTORS (steps/registry.ts).
 */
import type { NodeFixStep } from "../cni/remediator.ts";

export type {
  AgentDetail,
  NodeFixStep,
  QuarantineDetail,
  QuarantineStep,
  RestartAgentStep,
} from "../cni/remediator.ts";

/** Deletes the node's stuck pods so their controllers recreate them, once every node is fixed. */
export interface RecyclePodsStep {
  kind: "recycle-pods";
  node: string;
  /** The pods deleted, as namespace/name. */
  pods: string[];
  /** The controllers that recreate them, as namespace/Kind/name. */
  owners: string[];
  description: string;
  commands?: never;
  quarantine?: never;
  agent?: never;
  rootCause?: never;
}

/** Checks the recreated pods, their Services' endpoints and a fresh diagnosis. */
export interface VerifyStep {
  kind: "verify";
  /** The pods recycled, as namespace/name. */
  pods: string[];
  owners: string[];
  description: string;
  node?: never;
  commands?: never;
  quarantine?: never;
  agent?: never;
  rootCause?: never;
}

/** Steps that run once every node is fixed. */
export type ClusterStep = RecyclePodsStep | VerifyStep;
export type PlanStep = NodeFixStep | ClusterStep;
export type StepKind = PlanStep["kind"];
export type StepOfKind<K extends StepKind> = Extract<PlanStep, { kind: K }>;

export function isNodeFixStep(step: PlanStep): step is NodeFixStep {
  return step.kind === "quarantine-cni-config" || step.kind === "restart-cni-agent";
}

export function isClusterStep(step: PlanStep): step is ClusterStep {
  return !isNodeFixStep(step);
}
