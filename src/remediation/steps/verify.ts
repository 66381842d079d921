/**
 * The final verification, as the incident reports checked it by hand: the recreated pods are Running and Ready,
 * every Service selecting them lists them as ready endpoints (`kubectl get endpoints redis-master`), and a fresh
 * diagnosis is healthy. Polls, bounded by the step's deadline: endpoints and events lag a little behind pods.
 */
import type { V1Pod, V1Service } from "../../kube/types.ts";
import { isPodReady } from "../../kube/wait.ts";
import type { VerifyStep } from "../plan-steps.ts";
import type { VerificationResult } from "../run.ts";
import { pollUntil, type StepContext, StepFailure } from "./context.ts";
import type { StepExecutor } from "./registry.ts";

export const verifyExecutor: StepExecutor<VerifyStep> = {
  phase: "cluster",
  before: "verification",
  timeoutMs: (policy) => policy.podReadyTimeoutMs,
  async execute(ctx, step, scope) {
    const verification = await verifyHealed(ctx, { owners: step.owners, scope: scope.planScope });
    scope.verification = verification;
    if (!verification.ok) {
      throw new StepFailure(
        `verification failed: ${verification.checks
          .filter((c) => !c.ok)
          .map((c) => `${c.name}: ${c.detail}`)
          .join("; ")}`,
      );
    }
  },
};

export interface VerifyInput {
  /** Controllers whose pods were recycled, as namespace/Kind/name. */
  owners: string[];
  scope: { namespace: string | null; node: string | null };
}

export async function verifyHealed(ctx: StepContext, input: VerifyInput): Promise<VerificationResult> {
  const interval = ctx.deps.policy.pollIntervalMs;
  const pods = await pollUntil(() => checkOwnersReady(ctx, input.owners), ctx.deadline, interval);
  const endpoints = await pollUntil(() => checkEndpoints(ctx, pods.value.ready), ctx.deadline, interval);
  const diagnosis = await pollUntil(
    async () => {
      const d = await ctx.deps.diagnose(input.scope);
      ctx.ledger.apiCall("diagnose again");
      const detail = d.healthy
        ? `healthy: ${d.checked.pendingPods} pending pods, ${d.checked.nodes} nodes checked`
        : `not healthy: ${[...d.findings.map((f) => f.summary), ...d.errors.map((e) => `${e.operation}: ${e.message}`)].join("; ")}`;
      return { done: d.healthy, value: detail };
    },
    ctx.deadline,
    interval,
  );
  const checks = [
    { name: "pods Running and Ready", ok: pods.done, detail: pods.value.detail },
    { name: "Service endpoints ready", ok: endpoints.done, detail: endpoints.value },
    { name: "fresh diagnosis", ok: diagnosis.done, detail: diagnosis.value },
  ];
  for (const c of checks) ctx.ledger.note(`${c.ok ? "✓" : "✗"} ${c.name}: ${c.detail}`);
  return { ok: checks.every((c) => c.ok), checks };
}

async function checkOwnersReady(
  ctx: StepContext,
  owners: string[],
): Promise<{ done: boolean; value: { ready: V1Pod[]; detail: string } }> {
  const ready: V1Pod[] = [];
  const problems: string[] = [];
  for (const owner of owners) {
    const [namespace = "", kind = "", name = ""] = owner.split("/");
    const owned = (await ctx.deps.reader.listPods({ namespace })).filter(
      (p) =>
        !p.metadata?.deletionTimestamp &&
        (p.metadata?.ownerReferences ?? []).some((r) => r.kind === kind && r.name === name),
    );
    const notReady = owned.filter(
      (p) => !isPodReady(p) && !(kind === "Job" && p.status?.phase === "Succeeded"),
    );
    ready.push(...owned.filter(isPodReady));
    if (owned.length === 0) problems.push(`${kind} ${namespace}/${name} has no pods`);
    for (const p of notReady)
      problems.push(`${namespace}/${p.metadata?.name} is ${p.status?.phase ?? "?"}, not Ready`);
  }
  const detail =
    problems.length > 0
      ? problems.join("; ")
      : owners.length === 0
        ? "no pods were recycled"
        : ready
            .map(
              (p) =>
                `${p.metadata?.namespace}/${p.metadata?.name} on ${p.spec?.nodeName} (${p.status?.podIP})`,
            )
            .join(", ");
  return { done: problems.length === 0, value: { ready, detail } };
}

async function checkEndpoints(ctx: StepContext, pods: V1Pod[]): Promise<{ done: boolean; value: string }> {
  const lines: string[] = [];
  let ok = true;
  const byNamespace = new Map<string, V1Pod[]>();
  for (const p of pods) {
    const ns = p.metadata?.namespace ?? "default";
    byNamespace.set(ns, [...(byNamespace.get(ns) ?? []), p]);
  }
  for (const [namespace, nsPods] of byNamespace) {
    const services = await ctx.deps.reader.listServices({ namespace });
    for (const svc of services) {
      const selected = nsPods.filter((p) => selects(svc, p));
      if (selected.length === 0) continue;
      const addresses = await ctx.deps.reader.readyServiceAddresses(namespace, svc.metadata?.name ?? "");
      const readyIps = new Set(addresses.ready);
      const missing = selected.filter((p) => !readyIps.has(p.status?.podIP ?? ""));
      if (readyIps.size === 0 || missing.length > 0) ok = false;
      lines.push(
        `endpoints ${namespace}/${svc.metadata?.name}: ${readyIps.size === 0 ? "none ready" : [...readyIps].join(", ")}${missing.length > 0 ? ` (missing ${missing.map((p) => p.status?.podIP ?? p.metadata?.name).join(", ")})` : ""}`,
      );
    }
  }
  return { done: ok, value: lines.length > 0 ? lines.join("; ") : "no Service selects the recycled pods" };
}

function selects(svc: V1Service, pod: V1Pod): boolean {
  const selector = svc.spec?.selector;
  if (!selector || Object.keys(selector).length === 0) return false;
  const labels = pod.metadata?.labels ?? {};
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}
