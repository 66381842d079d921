/**
 * The step executors, one per step kind, as the signature catalog is one entry per signature: the runner looks a
 * step's executor up here by its kind. A node step runs inside its node's repair (in batches of nodes, rolled back
 * when it fails); the others run once every node is fixed, in plan order.
 */
import type { RemediationPolicy } from "../../config.ts";
import type { ClusterStep, NodeFixStep, PlanStep, StepKind, StepOfKind } from "../plan-steps.ts";
import type { VerificationResult } from "../run.ts";
import type { StepContext } from "./context.ts";
import type { NodeRepair } from "./node-repair.ts";
import { quarantineExecutor } from "./quarantine-cni-config.ts";
import { recyclePodsExecutor } from "./recycle-pods.ts";
import { restartAgentExecutor } from "./restart-cni-agent.ts";
import { verifyExecutor } from "./verify.ts";

/** What a step may read and leave for the next: its node's repair (node steps only) and the run's verification. */
export interface StepScope {
  repair: NodeRepair | null;
  verification: VerificationResult | null;
  /** The plan's scope, for a fresh diagnosis. */
  planScope: { namespace: string | null; node: string | null };
}

export interface Executor<S extends PlanStep> {
  timeoutMs(policy: RemediationPolicy): number;
  execute(ctx: StepContext, step: S, scope: StepScope): Promise<void>;
}

/** Part of one node's repair: runs with the node's other steps, in batches of nodes; a failure rolls the node back. */
export interface NodeStepExecutor<S extends NodeFixStep> extends Executor<S> {
  phase: "node";
}

/** Runs once every node is fixed, in plan order. */
export interface ClusterStepExecutor<S extends ClusterStep> extends Executor<S> {
  phase: "cluster";
  /** What the step does, for "Stopped before …" when a stop request comes first, e.g. "recycling pods". */
  before: string;
}

export type StepExecutor<S extends PlanStep> = S extends NodeFixStep
  ? NodeStepExecutor<S>
  : S extends ClusterStep
    ? ClusterStepExecutor<S>
    : never;

export const STEP_EXECUTORS: { readonly [K in StepKind]: StepExecutor<StepOfKind<K>> } = {
  "quarantine-cni-config": quarantineExecutor,
  "restart-cni-agent": restartAgentExecutor,
  "recycle-pods": recyclePodsExecutor,
  verify: verifyExecutor,
};

/** The executor of a step's kind, typed for that step. */
export function executorFor<S extends PlanStep>(step: S): StepExecutor<S> & Executor<S> {
  // The mapped type pairs each kind with its step type; TypeScript cannot follow that through a generic index.
  return STEP_EXECUTORS[step.kind] as unknown as StepExecutor<S> & Executor<S>;
}
