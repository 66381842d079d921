/**
 * Runs an approved plan: node by node (batchSize nodes at once), each node's steps in order, each step within its
 * timeout; the first failure ends the run. A node whose files were moved aside but whose agent did not come back with
 * a valid token is restored byte for byte. A stop request (or the kill switch, or a lost lease) ends the run after
 * the current step, rolling back a half-done node — one whose files are moved but whose fresh files are not verified.
 * Pods are recycled only after every node is fixed; then the run is verified.
 */
import type { RunAudit } from "./audit.ts";
import { isClusterStep, isNodeFixStep, type PlanStep } from "./plan-steps.ts";
import {
  type ProgressReporter,
  type RollbackRecord,
  type RunEvent,
  type RunRecord,
  reportSafely,
  type StepRecord,
  stepStartedEvent,
  type VerificationResult,
} from "./run.ts";
import {
  type RemediationDeps,
  recordingExitCode,
  type StepContext,
  StepFailure,
  StepLedger,
} from "./steps/context.ts";
import { type NodeRepair, startRepair } from "./steps/node-repair.ts";
import { executorFor, type StepScope } from "./steps/registry.ts";
import { restoreNodeBackup } from "./steps/rollback.ts";

export interface RunnerInput {
  deps: RemediationDeps;
  run: RunRecord;
  audit: RunAudit;
  reporter: ProgressReporter;
  /** Why the run must stop now (stop request, kill switch, lost lease), or null to go on. Checked between steps. */
  stopReason: () => Promise<string | null>;
}

export interface RunnerOutcome {
  status: "succeeded" | "failed" | "rolled-back" | "stopped";
  message: string;
  steps: StepRecord[];
  rollbacks: RollbackRecord[];
  verification: VerificationResult | null;
}

type NodeOutcome = { status: "healed" } | { status: "failed" | "rolled-back" | "stopped"; message: string };

export async function runPlan(input: RunnerInput): Promise<RunnerOutcome> {
  const plan = input.run.plan;
  const state: RunState = { steps: [], rollbacks: [], nodeInfo: nodeInfoCache(input.deps) };
  const end = (
    status: RunnerOutcome["status"],
    message: string,
    verification: VerificationResult | null = null,
  ): RunnerOutcome => ({ status, message, steps: state.steps, rollbacks: state.rollbacks, verification });

  const fixNodes = orderedNodes(plan.steps.filter(isNodeFixStep));
  const batchSize = Math.max(1, input.deps.policy.batchSize);
  for (let i = 0; i < fixNodes.length; i += batchSize) {
    const batch = fixNodes.slice(i, i + batchSize);
    const outcomes = await Promise.all(batch.map((node) => fixNode(input, state, node)));
    const bad = outcomes.find((o): o is Exclude<NodeOutcome, { status: "healed" }> => o.status !== "healed");
    if (bad) return end(bad.status, bad.message);
  }

  // Pods are recycled only after every node is fixed, then the run is verified: the plan lists them in that order.
  const scope: StepScope = { repair: null, verification: null, planScope: plan.scope };
  for (const step of plan.steps.filter(isClusterStep)) {
    const why = await input.stopReason();
    if (why) return end("stopped", `Stopped before ${executorFor(step).before}: ${why}.`, scope.verification);
    const r = await runStep(input, state, step, scope);
    if (!r.ok) return end("failed", r.error, scope.verification);
  }
  return end("succeeded", `Healed ${plan.blastRadius.nodes.join(", ")}; verified.`, scope.verification);
}

interface RunState {
  steps: StepRecord[];
  rollbacks: RollbackRecord[];
  nodeInfo: (node: string) => Promise<{ internalIP: string | undefined; uid: string | undefined }>;
}

/** One node's fix steps in order; the first failure or stop request ends them, rolling back a half-done node. */
async function fixNode(input: RunnerInput, state: RunState, node: string): Promise<NodeOutcome> {
  const repair = startRepair(input.run.plan, node);
  if (typeof repair === "string") {
    await report(input, { type: "node-finished", runId: input.run.id, node, status: "failed" });
    return { status: "failed", message: repair };
  }
  const scope: StepScope = { repair, verification: null, planScope: input.run.plan.scope };
  for (const step of repair.steps) {
    const why = await input.stopReason();
    if (why)
      return endRepair(input, state, repair, `Stopped on ${node} before ${step.kind}: ${why}.`, "stopped");
    const result = await runStep(input, state, step, scope);
    if (!result.ok)
      return endRepair(
        input,
        state,
        repair,
        `${step.kind} on ${node} failed: ${result.error}`,
        "rolled-back",
      );
  }
  await report(input, { type: "node-finished", runId: input.run.id, node, status: "healed" });
  return { status: "healed" };
}

/**
 * A node's repair ended early. Files moved but not verified are restored byte for byte; a node with nothing moved,
 * or already verified, is left as it is.
 */
async function endRepair(
  input: RunnerInput,
  state: RunState,
  repair: NodeRepair,
  why: string,
  status: "rolled-back" | "stopped",
): Promise<NodeOutcome> {
  const { node, moved } = repair;
  if (!moved || repair.verified) {
    const ended = status === "stopped" ? "stopped" : "failed";
    await report(input, { type: "node-finished", runId: input.run.id, node, status: ended });
    return { status: ended, message: why };
  }
  const ctx = stepContext(input, state, new StepLedger(), Date.now() + input.deps.policy.stepTimeoutMs);
  const rb = await restoreNodeBackup(ctx, moved);
  state.rollbacks.push(rb);
  await input.audit.rollback(rb);
  await report(input, { type: "rolled-back", runId: input.run.id, rollback: rb });
  await report(input, {
    type: "node-finished",
    runId: input.run.id,
    node,
    status: status === "stopped" ? "stopped" : "rolled-back",
  });
  return {
    status: status === "stopped" ? "stopped" : rb.ok ? "rolled-back" : "failed",
    message: `${why} ${rb.message}`,
  };
}

/** Runs one step by its kind's executor, within that executor's timeout, recording it (journal, log, node Event) and reporting its start and end. */
async function runStep(
  input: RunnerInput,
  state: RunState,
  step: PlanStep,
  scope: StepScope,
): Promise<{ ok: true } | { ok: false; error: string }> {
  const executor = executorFor(step);
  const timeoutMs = executor.timeoutMs(input.deps.policy);
  const index = input.run.plan.steps.indexOf(step);
  const ledger = new StepLedger();
  const started = Date.now();
  const startedAt = input.deps.now().toISOString();
  const record = (status: StepRecord["status"], error: string | null): StepRecord => ({
    index,
    kind: step.kind,
    node: step.node ?? null,
    status,
    startedAt,
    finishedAt: status === "running" ? null : input.deps.now().toISOString(),
    durationMs: status === "running" ? null : Date.now() - started,
    ran: [...ledger.ran],
    exitCodes: [...ledger.exitCodes],
    output: [...ledger.output],
    error,
  });
  await input.audit.step(record("running", null));
  await report(input, stepStartedEvent(input.run.id, index, step));
  const deadline = started + timeoutMs;
  let error: string | null = null;
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      executor.execute(stepContext(input, state, ledger, deadline), step, scope),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new StepFailure(`timed out after ${Math.round(timeoutMs / 1000)} s`)),
          timeoutMs + 1000,
        );
      }),
    ]);
  } catch (err) {
    error = (err as Error).message ?? String(err);
  } finally {
    clearTimeout(timer);
  }
  const done = record(error === null ? "ok" : "failed", error);
  state.steps.push(done);
  await input.audit.step(done);
  await report(input, {
    type: "step-finished",
    runId: input.run.id,
    index,
    kind: step.kind,
    node: step.node ?? null,
    status: done.status === "failed" ? "failed" : "ok",
    durationMs: done.durationMs ?? 0,
    output: done.output,
    error,
  });
  return error === null ? { ok: true } : { ok: false, error };
}

function stepContext(input: RunnerInput, state: RunState, ledger: StepLedger, deadline: number): StepContext {
  const { nodeWriter } = input.deps;
  return {
    deps: input.deps,
    runId: input.run.id,
    ledger,
    deadline,
    nodeInfo: state.nodeInfo,
    journalMove: (record) => input.audit.move(record),
    async onNode(node, template) {
      const { internalIP } = await state.nodeInfo(node);
      ledger.ran.push(nodeWriter.commandLine(node, internalIP, template));
      return nodeWriter.run(
        node,
        internalIP,
        recordingExitCode(template, (code) => ledger.exitCodes.push(code)),
      );
    },
  };
}

function nodeInfoCache(deps: RemediationDeps) {
  const cache = new Map<string, Promise<{ internalIP: string | undefined; uid: string | undefined }>>();
  return (node: string) => {
    let hit = cache.get(node);
    if (!hit) {
      hit = deps.reader.getNode(node).then((n) => ({
        internalIP: n?.status?.addresses?.find((a) => a.type === "InternalIP")?.address,
        uid: n?.metadata?.uid,
      }));
      hit.catch(() => cache.delete(node));
      cache.set(node, hit);
    }
    return hit;
  };
}

function orderedNodes(steps: PlanStep[]): string[] {
  const out: string[] = [];
  for (const s of steps) if (s.node && !out.includes(s.node)) out.push(s.node);
  return out;
}

function report(input: RunnerInput, event: RunEvent): Promise<void> {
  return reportSafely(input.reporter, event);
}
