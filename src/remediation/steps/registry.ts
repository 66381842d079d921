/**
 * The step executors, one per step kind, as the signature catalog is one entry per signature: the runner looks a
 * step's executor up here by its kind. A node step runs inside its node's repair (in batches of nodes, rolled back
 * when it fails); the others run once every node is fixed, in plan order.
 */
import type { RemediationPolicy } from "../../config.ts";
import type { PlanStep, StepKind, StepOfKind } from "../plan-steps.ts";
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

export interface StepExecutor<S extends PlanStep> {
  /** "node": part of one node's repair; "cluster": after every node is fixed. */
  phase: "node" | "cluster";
  /** Said when a stop request comes before a cluster step, e.g. "recycling pods". */
  before: string;
  timeoutMs(policy: RemediationPolicy): number;
  execute(ctx: StepContext, step: S, scope: StepScope): Promise<void>;
}

export const STEP_EXECUTORS: { readonly [K in StepKind]: StepExecutor<StepOfKind<K>> } = {
  "quarantine-cni-config": quarantineExecutor,
  "restart-cni-agent": restartAgentExecutor,
  "recycle-pods": recyclePodsExecutor,
  verify: verifyExecutor,
};

export function executorFor<S extends PlanStep>(step: S): StepExecutor<S> {
  // The mapped type pairs each kind with its step type; TypeScript cannot follow that through a generic index.
  return STEP_EXECUTORS[step.kind] as unknown as StepExecutor<S>;
}
