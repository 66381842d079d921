/**
 * Runs an approved plan: node by node (batchSize nodes at once), each node's steps in order, each step within its
 * timeout; the first failure ends the run. A node whose files were moved aside but whose agent did not come back with
 * a valid token is restored byte for byte. A stop request (or the kill switch, or a lost lease) ends the run after
 * the current step, rolling back a half-done node — one whose files are moved but whose fresh files are not verified.
 * Pods are recycled only after every node is fixed; then the run is verified.
 */
import type { RunAudit } from "./audit.ts";
import type { PlanStep } from "./plan.ts";
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
import { checkNodeCni } from "./steps/check-node-cni.ts";
import {
  type RemediationDeps,
  recordingExitCode,
  type StepContext,
  StepFailure,
  StepLedger,
} from "./steps/context.ts";
import { type QuarantineRecord, quarantineCniConfig } from "./steps/quarantine-cni-config.ts";
import { recyclePods } from "./steps/recycle-pods.ts";
import { restartCniAgent } from "./steps/restart-cni-agent.ts";
import { restoreNodeBackup } from "./steps/rollback.ts";
import { verifyHealed } from "./steps/verify.ts";

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
  const { run } = input;
  const plan = run.plan;
  const steps: StepRecord[] = [];
  const rollbacks: RollbackRecord[] = [];
  const nodeInfo = nodeInfoCache(input.deps);
  const state = { steps, rollbacks, nodeInfo };

  const fixNodes = orderedNodes(
    plan.steps.filter((s) => s.kind === "quarantine-cni-config" || s.kind === "restart-cni-agent"),
  );
  const batchSize = Math.max(1, input.deps.policy.batchSize);
  for (let i = 0; i < fixNodes.length; i += batchSize) {
    const batch = fixNodes.slice(i, i + batchSize);
    const outcomes = await Promise.all(batch.map((node) => fixNode(input, state, node)));
    const bad = outcomes.find((o): o is Exclude<NodeOutcome, { status: "healed" }> => o.status !== "healed");
    if (bad)
      return {
        status: bad.status === "rolled-back" ? "rolled-back" : bad.status,
        message: bad.message,
        steps,
        rollbacks,
        verification: null,
      };
  }

  for (const step of plan.steps.filter((s) => s.kind === "recycle-pods")) {
    const why = await input.stopReason();
    if (why)
      return {
        status: "stopped",
        message: `Stopped before recycling pods: ${why}.`,
        steps,
        rollbacks,
        verification: null,
      };
    const r = await runStep(input, state, step, input.deps.policy.podReadyTimeoutMs, async (ctx) => {
      await recyclePods(ctx, step.pods ?? []);
    });
    if (!r.ok) return { status: "failed", message: r.error, steps, rollbacks, verification: null };
  }

  const verifyStep = plan.steps.find((s) => s.kind === "verify");
  let verification: VerificationResult | null = null;
  if (verifyStep) {
    const why = await input.stopReason();
    if (why)
      return {
        status: "stopped",
        message: `Stopped before verification: ${why}.`,
        steps,
        rollbacks,
        verification: null,
      };
    const r = await runStep(input, state, verifyStep, input.deps.policy.podReadyTimeoutMs, async (ctx) => {
      verification = await verifyHealed(ctx, { owners: verifyStep.owners ?? [], scope: plan.scope });
      if (!verification.ok) {
        throw new StepFailure(
          `verification failed: ${verification.checks
            .filter((c) => !c.ok)
            .map((c) => `${c.name}: ${c.detail}`)
            .join("; ")}`,
        );
      }
    });
    if (!r.ok) return { status: "failed", message: r.error, steps, rollbacks, verification };
  }
  return {
    status: "succeeded",
    message: `Healed ${plan.blastRadius.nodes.join(", ")}; verified.`,
    steps,
    rollbacks,
    verification,
  };
}

interface RunState {
  steps: StepRecord[];
  rollbacks: RollbackRecord[];
  nodeInfo: (node: string) => Promise<{ internalIP: string | undefined; uid: string | undefined }>;
}

async function fixNode(input: RunnerInput, state: RunState, node: string): Promise<NodeOutcome> {
  const { plan } = input.run;
  const nodeSteps = plan.steps.filter(
    (s) => s.node === node && (s.kind === "quarantine-cni-config" || s.kind === "restart-cni-agent"),
  );
  const staleToken = plan.evidence.nodes.find((n) => n.node === node)?.kubeconfig?.token ?? null;
  let moved: QuarantineRecord | null = null;
  let verified = false;

  const rollBack = async (why: string, status: "rolled-back" | "stopped"): Promise<NodeOutcome> => {
    if (!moved || verified) {
      await report(input, {
        type: "node-finished",
        runId: input.run.id,
        node,
        status: status === "stopped" ? "stopped" : "failed",
      });
      return { status: status === "stopped" ? "stopped" : "failed", message: why };
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
  };

  for (const step of nodeSteps) {
    const why = await input.stopReason();
    if (why) return rollBack(`Stopped on ${node} before ${step.kind}: ${why}.`, "stopped");
    const hasRestart = nodeSteps.some((s) => s.kind === "restart-cni-agent");
    const result =
      step.kind === "quarantine-cni-config" && step.quarantine
        ? await runStep(input, state, step, input.deps.policy.stepTimeoutMs, async (ctx) => {
            const q = step.quarantine as NonNullable<PlanStep["quarantine"]>;
            moved = await quarantineCniConfig(ctx, node, q, (record) => {
              moved = record;
            });
            if (!hasRestart) {
              // A shadowing config needs no restart: the node is fixed once the runtime's first config is Calico's.
              const check = await checkNodeCni(ctx, node, q.cniConfDir, {
                staleTokenFingerprint: null,
                needsKubeconfig: false,
              });
              for (const line of check.lines) ctx.ledger.note(`${node}: ${line}`);
              if (!check.ok)
                throw new StepFailure(
                  `${node} is still not sound after moving the files aside: ${check.lines.join(" ")}`,
                );
              verified = true;
            }
          })
        : await runStep(input, state, step, input.deps.policy.agentReadyTimeoutMs, async (ctx) => {
            const agent = step.agent;
            if (!agent) throw new StepFailure(`plan step restart-cni-agent on ${node} names no agent pod`);
            const cniConfDir =
              step.quarantine?.cniConfDir ??
              moved?.cniConfDir ??
              input.deps.nodeShell.target(node, (await ctx.nodeInfo(node)).internalIP).cniConfDir;
            await restartCniAgent(ctx, node, agent, { cniConfDir, staleTokenFingerprint: staleToken });
            verified = true;
          });
    if (!result.ok) return rollBack(`${step.kind} on ${node} failed: ${result.error}`, "rolled-back");
  }
  await report(input, { type: "node-finished", runId: input.run.id, node, status: "healed" });
  return { status: "healed" };
}

/** Runs one step with its timeout, recording it (journal, log, node Event) and reporting its start and end. */
async function runStep(
  input: RunnerInput,
  state: RunState,
  step: PlanStep,
  timeoutMs: number,
  body: (ctx: StepContext) => Promise<void>,
): Promise<{ ok: true } | { ok: false; error: string }> {
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
      body(stepContext(input, state, ledger, deadline)),
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
  const { nodeShell } = input.deps;
  return {
    deps: input.deps,
    runId: input.run.id,
    ledger,
    deadline,
    nodeInfo: state.nodeInfo,
    async onNode(node, template) {
      const { internalIP } = await state.nodeInfo(node);
      ledger.ran.push(nodeShell.commandLine(node, internalIP, template));
      return nodeShell.run(
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
