/**
 * Runs an approved plan: node by node (batchSize nodes at once), each node's steps in order, each step within its
 * timeout; the first failure ends the run. A node whose files were moved aside but whose agent did not come back with
 * a valid token is restored byte for byte. A stop request (or the kill switch, or a lost lease) ends the run after
 * the current step, rolling back a half-done node — one whose files are moved but whose fresh files are not verified.
 * Pods are recycled only after every node is fixed (a replacement may be scheduled onto any node, and one still broken
 * would take it), then the run is verified. When a later node fails, the nodes already healed get their stuck pods
 * recycled before the run ends, so they are not left stuck; every outcome lists the pods still stuck, each with the
 * command that gets it going.
 */
import type { RunAudit } from "./audit.ts";
import { isClusterStep, isNodeFixStep, type PlanStep, type RecyclePodsStep } from "./plan-steps.ts";
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
  /** Pods the run did not get going (their node not fixed, or their recycling failed), each with what to run. */
  stillStuck: StuckPod[];
}

export interface StuckPod {
  pod: string;
  node: string;
  /** The exact command that gets it going (after fixing its node, when the run did not). */
  command: string;
}

type NodeOutcome = { status: "healed" } | { status: "failed" | "rolled-back" | "stopped"; message: string };

export async function runPlan(input: RunnerInput): Promise<RunnerOutcome> {
  const plan = input.run.plan;
  const state: RunState = {
    steps: [],
    rollbacks: [],
    nodeInfo: nodeInfoCache(input.deps),
    healed: new Set(),
    recycled: new Set(),
  };
  const end = (
    status: RunnerOutcome["status"],
    message: string,
    verification: VerificationResult | null = null,
  ): RunnerOutcome => {
    const stillStuck = stuckPods(plan.steps, state);
    const stuck = stillStuck.map((p) => `${p.pod} on ${p.node} (${p.command})`).join("; ");
    return {
      status,
      message: stillStuck.length > 0 ? `${message} Still stuck: ${stuck}.` : message,
      steps: state.steps,
      rollbacks: state.rollbacks,
      verification,
      stillStuck,
    };
  };

  const fixNodes = orderedNodes(plan.steps.filter(isNodeFixStep));
  const batchSize = Math.max(1, input.deps.policy.batchSize);
  for (let i = 0; i < fixNodes.length; i += batchSize) {
    const batch = fixNodes.slice(i, i + batchSize);
    const outcomes = await Promise.all(batch.map((node) => fixNode(input, state, node)));
    batch.forEach((node, n) => {
      if (outcomes[n]?.status === "healed") state.healed.add(node);
    });
    const bad = outcomes.find((o): o is Exclude<NodeOutcome, { status: "healed" }> => o.status !== "healed");
    if (bad) {
      // A stop request means no further change; a failure still leaves the healed nodes' pods worth recycling.
      const recycled = bad.status === "stopped" ? "" : await recycleHealedNodes(input, state);
      return end(bad.status, `${bad.message}${recycled}`);
    }
  }

  // Pods are recycled only after every node is fixed, then the run is verified: the plan lists them in that order.
  const scope: StepScope = { repair: null, verification: null, planScope: plan.scope };
  for (const step of plan.steps.filter(isClusterStep)) {
    const why = await input.stopReason();
    if (why) return end("stopped", `Stopped before ${executorFor(step).before}: ${why}.`, scope.verification);
    const r = await runStep(input, state, step, scope);
    if (!r.ok) return end("failed", r.error, scope.verification);
    if (step.kind === "recycle-pods") state.recycled.add(step);
  }
  return end("succeeded", `Healed ${plan.blastRadius.nodes.join(", ")}; verified.`, scope.verification);
}

interface RunState {
  steps: StepRecord[];
  rollbacks: RollbackRecord[];
  nodeInfo: (node: string) => Promise<{ internalIP: string | undefined; uid: string | undefined }>;
  /** Nodes fixed so far, and the recycle steps done. */
  healed: Set<string>;
  recycled: Set<PlanStep>;
}

/**
 * The run ends early on a failed node: the nodes it healed get their stuck pods recycled now (their replacements may
 * still land on the broken node; what stays stuck is listed). Returns a sentence for the outcome, or "".
 */
async function recycleHealedNodes(input: RunnerInput, state: RunState): Promise<string> {
  const scope: StepScope = { repair: null, verification: null, planScope: input.run.plan.scope };
  const steps = input.run.plan.steps.filter(
    (s): s is RecyclePodsStep => s.kind === "recycle-pods" && state.healed.has(s.node),
  );
  const done: string[] = [];
  const failed: string[] = [];
  for (const step of steps) {
    const r = await runStep(input, state, step, scope);
    if (r.ok) {
      state.recycled.add(step);
      done.push(step.node);
    } else failed.push(`${step.node}: ${r.error}`);
  }
  return [
    done.length > 0 ? ` Recycled the stuck pods of the healed ${done.join(", ")}.` : "",
    failed.length > 0 ? ` Recycling pods on healed nodes failed (${failed.join("; ")}).` : "",
  ].join("");
}

/** The plan's stuck pods this run did not recycle, with the command for each. */
function stuckPods(steps: PlanStep[], state: RunState): StuckPod[] {
  return steps
    .filter((s): s is RecyclePodsStep => s.kind === "recycle-pods" && !state.recycled.has(s))
    .flatMap((s) =>
      s.pods.map((pod) => {
        const [namespace, name] = pod.split("/");
        const remove = `kubectl delete pod -n ${namespace} ${name}`;
        return {
          pod,
          node: s.node,
          command: state.healed.has(s.node)
            ? remove
            : `${remove} once ${s.node} is fixed: cni-doctor fix --node ${s.node}`,
        };
      }),
    );
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
