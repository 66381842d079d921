/**
 * The approval gate and the single-run guarantees, end to end on the simulated stale-cni-config cluster: every
 * refusal leaves the cluster and the nodes as they were.
 */
import { appendFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Diagnosis } from "../../src/diagnosis/index.ts";
import {
  alice,
  bob,
  collectEvents,
  type Harness,
  mallory,
  snapshotTree,
  startHarness,
} from "../support/sim-harness.ts";

const carol = { id: "U-CAROL", displayName: "Carol", groups: ["S-ONCALL"], via: "slack" as const };
const bothWorkers = (d: Diagnosis) =>
  d.findings.some((f) => f.rootCause === "stale-cni-config" && f.nodes.length === 2) &&
  d.findings.every((f) => f.evidence.nodes.every((n) => n.inspection !== null));

function nodeState(h: Harness) {
  return ["k8s-worker1", "k8s-worker2"].map((n) => snapshotTree(h.sim.nodeRoot(n)));
}
function podState(h: Harness) {
  return h.sim.store
    .list("pods", undefined)
    .map((p) => `${p.metadata.namespace}/${p.metadata.name}/${p.metadata.uid}`)
    .sort();
}

/** A fresh stale-cni-config cluster for a describe block, diagnosed until both workers' files were inspected. */
function useStaleCluster(): { h: Harness; diagnosis: Diagnosis } {
  const ctx = {} as { h: Harness; diagnosis: Diagnosis };
  beforeAll(async () => {
    ctx.h = await startHarness("stale-cni-config");
    ctx.diagnosis = await ctx.h.diagnoseUntil(bothWorkers);
  }, 30_000);
  afterAll(async () => ctx.h?.stop());
  return ctx;
}

describe("approval gate on stale-cni-config", () => {
  const ctx = useStaleCluster();

  it("refuses self-approval, non-approvers, and accepts an approver by group; repeats are idempotent", async () => {
    const service = await ctx.h.service();
    const { run } = await service.propose(ctx.diagnosis, { requestedBy: alice });
    expect(await service.approve(run.id, alice)).toMatchObject({
      status: "refused",
      reason: "self-approval",
    });
    expect(await service.approve(run.id, mallory)).toMatchObject({
      status: "refused",
      reason: "not-an-approver",
    });
    expect(await service.approve(run.id, carol)).toMatchObject({ status: "approved" });
    expect(await service.approve(run.id, carol)).toMatchObject({ status: "already-approved" });
    expect(await service.reject(run.id, bob)).toMatchObject({ status: "rejected" });
    expect(await service.execute(run.id, collectEvents())).toMatchObject({
      status: "refused",
      reason: "already-executed",
    });
  });

  it("needs a quorum of distinct approvers", async () => {
    const service = await ctx.h.service({ quorum: 2 });
    const { run } = await service.propose(ctx.diagnosis, { requestedBy: alice });
    expect(await service.approve(run.id, bob)).toMatchObject({ status: "recorded", approvals: 1, quorum: 2 });
    expect(await service.execute(run.id, collectEvents())).toMatchObject({
      status: "refused",
      reason: "not-approved",
    });
    expect(await service.approve(run.id, carol)).toMatchObject({ status: "approved", approvals: 2 });
    await service.reject(run.id, bob);
  });

  it("refuses an expired approval, at approval and at execution", async () => {
    let now = Date.now();
    const service = await ctx.h.service({ approvalTtlMs: 60_000 }, { clock: () => new Date(now) });
    const late = await service.propose(ctx.diagnosis, { requestedBy: alice });
    now += 61_000;
    expect(await service.approve(late.run.id, bob)).toMatchObject({ status: "refused", reason: "expired" });

    now = Date.now();
    const approvedThenLate = await service.propose(ctx.diagnosis, { requestedBy: alice });
    expect(await service.approve(approvedThenLate.run.id, bob)).toMatchObject({ status: "approved" });
    now += 61_000;
    const before = { nodes: nodeState(ctx.h), pods: podState(ctx.h) };
    expect(await service.execute(approvedThenLate.run.id, collectEvents())).toMatchObject({
      status: "refused",
      reason: "expired",
    });
    expect({ nodes: nodeState(ctx.h), pods: podState(ctx.h) }).toEqual(before);
  });

  it("refuses a plan over the node limit", async () => {
    const service = await ctx.h.service({ maxNodesPerRun: 1 });
    const proposed = await service.propose(ctx.diagnosis, { requestedBy: alice });
    expect(proposed.policyViolations.join(" ")).toMatch(/changes 2 nodes .* at most 1/);
    expect(await service.approve(proposed.run.id, bob)).toMatchObject({
      status: "refused",
      reason: "policy-violation",
    });
  });

  it("refuses on plan drift and returns the new plan, changing nothing", async () => {
    const service = await ctx.h.service();
    const { run, plan } = await service.propose(ctx.diagnosis, { requestedBy: alice });
    await service.approve(run.id, bob);
    // The cluster changes after approval: a file appears in worker1's conf dir.
    appendFileSync(
      join(ctx.h.sim.nodeRoot("k8s-worker1"), "etc/cni/net.d/99-loopback.conf"),
      '{"cniVersion":"0.3.1","name":"lo","type":"loopback"}',
    );
    const before = { nodes: nodeState(ctx.h), pods: podState(ctx.h) };
    const result = await service.execute(run.id, collectEvents());
    expect(result).toMatchObject({ status: "refused", reason: "drift" });
    if (result.status !== "refused") return;
    expect(result.newPlan?.digest).toMatch(/^sha256:/);
    expect(result.newPlan?.digest).not.toBe(plan.digest);
    expect({ nodes: nodeState(ctx.h), pods: podState(ctx.h) }).toEqual(before);
    expect((await service.recentRuns()).find((r) => r.id === run.id)?.state).toBe("superseded");
    // Re-diagnosing the unchanged cluster gives the same digest again (the evidence basis has no volatile values).
    const again = await service.plan(await ctx.h.diagnoseUntil(bothWorkers));
    expect(again.digest).toBe(result.newPlan?.digest);
    ctx.diagnosis = await ctx.h.diagnoseUntil(bothWorkers);
  });

  it("dry run prints every step and command and changes nothing", async () => {
    const service = await ctx.h.service();
    const { run, plan } = await service.propose(ctx.diagnosis, { requestedBy: alice });
    await service.approve(run.id, bob);
    const before = { nodes: nodeState(ctx.h), pods: podState(ctx.h), runs: await service.recentRuns() };
    const progress = collectEvents();
    const result = await service.execute(run.id, progress, { dryRun: true });
    expect(result.status).toBe("dry-run");
    const shown = progress.events.flatMap((e) => (e.type === "step-started" ? e.commands : []));
    expect(shown).toEqual(plan.steps.flatMap((s) => s.commands ?? []));
    expect(shown.some((c) => c.includes("mv -n -t /var/lib/cni-doctor/backup/"))).toBe(true);
    expect({ nodes: nodeState(ctx.h), pods: podState(ctx.h), runs: await service.recentRuns() }).toEqual(
      before,
    );
    await service.reject(run.id, bob);
  });

  it("only an approver pulls the kill switch; it refuses runs until an approver resumes", async () => {
    const service = await ctx.h.service();
    const { run } = await service.propose(ctx.diagnosis, { requestedBy: alice });
    await service.approve(run.id, bob);
    await expect(service.pause(mallory)).rejects.toThrow(
      /may not pause remediation: only approvers may pause/,
    );
    await expect(service.pause({ id: "someone", via: "cli" })).rejects.toThrow(/may not pause/);
    expect(await service.isPaused()).toBe(false);
    await service.pause(alice);
    expect(await service.isPaused()).toBe(true);
    expect(await service.execute(run.id, collectEvents())).toMatchObject({
      status: "refused",
      reason: "paused",
    });
    await expect(service.resume(mallory)).rejects.toThrow(/may not resume/);
    await service.resume(bob);
    expect(await service.isPaused()).toBe(false);
    await service.reject(run.id, bob);
  });

  it("a Stop after the first node's files moved rolls that node back and ends the run", async () => {
    const service = await ctx.h.service();
    const { run } = await service.propose(ctx.diagnosis, { requestedBy: alice });
    await service.approve(run.id, bob);
    const before = snapshotTree(join(ctx.h.sim.nodeRoot("k8s-worker1"), "etc/cni/net.d"));
    const events = collectEvents();
    const result = await service.execute(run.id, {
      async report(e) {
        events.report(e);
        if (e.type === "step-finished" && e.kind === "quarantine-cni-config") await service.stop(run.id, bob);
      },
    });
    expect(result).toMatchObject({ status: "stopped" });
    if (result.status !== "stopped") return;
    expect(result.message).toMatch(/stop requested by Bob/);
    expect(result.rollbacks).toHaveLength(1);
    expect(result.rollbacks[0]).toMatchObject({ node: "k8s-worker1", ok: true });
    expect(snapshotTree(join(ctx.h.sim.nodeRoot("k8s-worker1"), "etc/cni/net.d"))).toEqual(before);
    expect(events.events.some((e) => e.type === "step-started" && e.kind === "restart-cni-agent")).toBe(
      false,
    );
  });
});

describe("single execution on a fresh stale-cni-config cluster", () => {
  const ctx = useStaleCluster();

  it("runs at most once under concurrent approvals and executions from two replicas", async () => {
    const replicaA = await ctx.h.service({}, { instanceId: "replica-a" });
    const replicaB = await ctx.h.service({}, { instanceId: "replica-b" });
    const { run } = await replicaA.propose(ctx.diagnosis, { requestedBy: alice });
    const approvals = await Promise.all([
      replicaA.approve(run.id, bob),
      replicaB.approve(run.id, bob),
      replicaB.approve(run.id, carol),
    ]);
    // Exactly one approval completes the quorum; the others, on an approved run, change nothing.
    expect(approvals.filter((a) => a.status === "approved").length).toBe(1);
    expect(approvals.filter((a) => a.status === "already-approved").length).toBe(2);
    const results = await Promise.all([
      replicaA.execute(run.id, collectEvents()),
      replicaB.execute(run.id, collectEvents()),
      replicaA.execute(run.id, collectEvents()),
    ]);
    const ran = results.filter((r) => r.status !== "refused");
    expect(ran, JSON.stringify(results.map((r) => [r.status, r.message]))).toHaveLength(1);
    expect(ran[0]?.status).toBe("succeeded");
    for (const r of results.filter((r) => r.status === "refused")) {
      expect(["busy", "already-executed"]).toContain(r.status === "refused" ? r.reason : "");
    }
    // Each agent pod was deleted once: one "started restart-cni-agent" Event per node.
    const restarts = ctx.h.sim.store
      .list("events", "default")
      .filter(
        (e) =>
          (e as unknown as { action?: string; message?: string }).message?.includes(`run ${run.id}`) &&
          (e as unknown as { action?: string }).action === "restart-cni-agent",
      )
      .filter((e) => (e as unknown as { message: string }).message.includes("started"));
    expect(restarts).toHaveLength(2);
    expect(await replicaB.execute(run.id, collectEvents())).toMatchObject({
      status: "refused",
      reason: "already-executed",
    });
  }, 60_000);
});

describe("two approvers at once, in one process", () => {
  const ctx = useStaleCluster();

  it("a further approval is a no-op that says so; a second execute is refused without touching the first run's Lease", async () => {
    const service = await ctx.h.service({}, { instanceId: "replica-a" });
    const { run } = await service.propose(ctx.diagnosis, { requestedBy: alice });
    expect(await service.approve(run.id, bob)).toMatchObject({ status: "approved" });
    const second = await service.approve(run.id, carol);
    expect(second).toMatchObject({ status: "already-approved" });
    expect(second.message).toContain(
      `Run ${run.id} is already approved and starting (approved by Bob (U-BOB))`,
    );

    let secondExecute: Promise<unknown> | undefined;
    const leaseHolder = () =>
      (ctx.h.sim.store.list("leases", "cni-doctor")[0] as unknown as { spec?: { holderIdentity?: string } })
        ?.spec?.holderIdentity;
    let holderAfterSecond: string | undefined;
    const first = await service.execute(run.id, {
      async report(e) {
        if (e.type === "step-started" && e.index === 0 && !secondExecute) {
          secondExecute = service.execute(run.id, collectEvents());
          expect(await secondExecute).toMatchObject({ status: "refused", reason: "busy" });
          holderAfterSecond = leaseHolder();
          expect((await service.approve(run.id, carol)).message).toMatch(/is already running/);
        }
      },
    });
    expect(secondExecute).toBeDefined();
    expect(holderAfterSecond).toBe(`replica-a/${run.id}`);
    expect(first.status, first.message).toBe("succeeded");
  }, 60_000);
});
