/**
 * Faults on the nodes' SSH side, through the RemediationService over the simulated cluster (stale-cni-config, two
 * workers): the connection dropped in the middle of the move step (after mv ran, and before it ran), dropped again
 * during the rollback's move, and a node that cannot be reached before and during a run. Each case: the run ends
 * with a message that says what happened and what to do; each node's files are fully moved or fully restored (conf
 * dir and backup dir against the snapshot before the run, byte for byte); no pod got two DELETEs; no run ran twice.
 */
import { rename } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Diagnosis } from "../../src/diagnosis/index.ts";
import type { Plan } from "../../src/remediation/plan.ts";
import type { RunEvent } from "../../src/remediation/run.ts";
import {
  CONF,
  deletedTwice,
  filesVerdict,
  findSecrets,
  simSecrets,
  watchedWorld,
} from "../support/fault-records.ts";
import { runCli } from "../support/run-cli.ts";
import { alice, bob, snapshotTree, startHarness } from "../support/sim-harness.ts";

const NODES = ["k8s-worker1", "k8s-worker2"] as const;
const W1 = "k8s-worker1";

describe("SSH faults during a repair", () => {
  const watched = watchedWorld(() => startHarness("stale-cni-config", { syncPeriodMs: 200 }));
  const captured: string[] = [];

  const ready = (d: Diagnosis) =>
    d.findings.some((f) => f.rootCause === "stale-cni-config" && f.nodes.length === 2) &&
    d.findings.every((f) => f.evidence.nodes.every((n) => n.inspection !== null));

  /** Diagnoses, proposes, approves; snapshots each node's conf dir first. */
  async function approvedRun() {
    const diagnosis = await watched.world.diagnoseUntil(ready);
    const before = Object.fromEntries(
      NODES.map((n) => [n, snapshotTree(join(watched.world.sim.nodeRoot(n), CONF))]),
    ) as Record<(typeof NODES)[number], Record<string, string>>;
    const service = await watched.world.service();
    const { run, plan } = await service.propose(diagnosis, { requestedBy: alice });
    expect((await service.approve(run.id, bob)).status).toBe("approved");
    return { service, run, plan, before };
  }

  function quarantineOf(plan: Plan, node: string) {
    const q = plan.steps.find((s) => s.kind === "quarantine-cni-config" && s.node === node)?.quarantine;
    if (!q) throw new Error(`the plan moves nothing on ${node}`);
    return q;
  }

  function verdicts(plan: Plan, before: Record<string, Record<string, string>>) {
    return Object.fromEntries(
      NODES.map((n) => {
        const q = quarantineOf(plan, n);
        return [n, filesVerdict(before[n] ?? {}, watched.world.sim.nodeRoot(n), q.backupDir, q.files)];
      }),
    );
  }

  function checkNoRepeats() {
    expect(deletedTwice(watched.api.podDeletes())).toEqual([]);
    expect([...watched.journal.executions.values()].every((n) => n === 1)).toBe(true);
  }

  it("mv's connection drops after mv ran: the step fails, the rollback reconnects and restores byte for byte", async () => {
    const { service, run, plan, before } = await approvedRun();
    watched.world.ssh.faults.dropConnection(W1, { program: "mv", phase: "after-running" });
    const result = await service.execute(run.id, { report: () => {} });
    captured.push(JSON.stringify(result));

    expect(result.status, result.message).toBe("rolled-back");
    expect(result.message).toMatch(
      /quarantine-cni-config on k8s-worker1 failed: .*(connection|closed|reset)/i,
    );
    expect(result.message).toMatch(/Restored 10-calico.conflist, calico-kubeconfig .* byte-identical/);
    expect(verdicts(plan, before)).toEqual({
      [W1]: { state: "restored" },
      "k8s-worker2": { state: "restored" },
    });
    // Nothing past the failed node ran: no agent restarted, no pod deleted.
    expect(watched.api.podDeletes().size).toBe(0);
    expect(watched.journal.executions.get(run.id)).toBe(1);
    checkNoRepeats();
  }, 40_000);

  it("mv's connection drops before mv ran: nothing moved, and the rollback leaves the originals where they are", async () => {
    const { service, run, plan, before } = await approvedRun();
    watched.world.ssh.faults.dropConnection(W1, { program: "mv", phase: "before-running" });
    const result = await service.execute(run.id, { report: () => {} });
    captured.push(JSON.stringify(result));

    expect(result.status, result.message).toBe("rolled-back");
    expect(result.message).toMatch(/quarantine-cni-config on k8s-worker1 failed/);
    expect(verdicts(plan, before)).toEqual({
      [W1]: { state: "restored" },
      "k8s-worker2": { state: "restored" },
    });
    if (result.status === "rolled-back") expect(result.rollbacks[0]?.ok).toBe(true);
    checkNoRepeats();
  }, 40_000);

  it("the connection drops again during the rollback's move: the files stay fully moved and the message says so", async () => {
    const { service, run, plan, before } = await approvedRun();
    // 1st mv: the quarantine (runs, then the connection dies); 2nd mv: the rollback's restore (dies before running).
    watched.world.ssh.faults.dropConnection(W1, { program: "mv", occurrence: 1, phase: "after-running" });
    watched.world.ssh.faults.dropConnection(W1, { program: "mv", occurrence: 2, phase: "before-running" });
    const result = await service.execute(run.id, { report: () => {} });
    captured.push(JSON.stringify(result));

    expect(result.status, result.message).toBe("failed");
    const q = quarantineOf(plan, W1);
    expect(result.message).toContain(`Rollback on ${W1} failed`);
    expect(result.message).toContain(q.backupDir);
    expect(result.message).toMatch(/restore by hand/);
    expect(verdicts(plan, before)).toEqual({
      [W1]: { state: "moved" },
      "k8s-worker2": { state: "restored" },
    });
    checkNoRepeats();
    // Put the node back as it was (what the message tells the operator to do) for the next case.
    for (const f of q.files)
      await rename(
        join(watched.world.sim.nodeRoot(W1), q.backupDir, f),
        join(watched.world.sim.nodeRoot(W1), q.cniConfDir.replace(/^\//, ""), f),
      );
    expect(snapshotTree(join(watched.world.sim.nodeRoot(W1), CONF))).toEqual(before[W1]);
  }, 40_000);

  it("a node unreachable before the run: diagnose says which node and why, and a run changes nothing", async () => {
    const { service, run, plan, before } = await approvedRun();
    await watched.world.ssh.faults.setUnreachable(W1, true);
    try {
      const diagnosis = await watched.world.diagnose();
      expect(diagnosis.healthy).toBe(false);
      expect(diagnosis.errors).toContainEqual(
        expect.objectContaining({ operation: `inspect node ${W1}`, failure: "unreachable" }),
      );
      const cli = await runCli([
        "diagnose",
        "--kubeconfig",
        watched.world.kubeconfigPath,
        "--nodes-file",
        watched.world.nodesFile,
      ]);
      captured.push(cli.out, cli.err);
      expect(cli.code).toBe(4);
      expect(cli.out).toMatch(
        new RegExp(`${W1}[^\\n]*not inspected \\(unreachable\\)|files not inspected \\(unreachable\\)`),
      );

      const result = await service.execute(run.id, { report: () => {} });
      captured.push(JSON.stringify(result));

      // Not "the cluster changed": the check before the run could not see the node, and the message says so.
      expect(result).toMatchObject({ status: "refused", reason: "incomplete-check" });
      expect(result.message).toContain(`inspect node ${W1}: unreachable`);
      expect(result.message).toContain("Nothing was changed");
      expect(watched.api.podDeletes().size).toBe(0);
      expect(watched.journal.executions.get(run.id)).toBeUndefined();
      expect(verdicts(plan, before)).toEqual({
        [W1]: { state: "restored" },
        "k8s-worker2": { state: "restored" },
      });
      checkNoRepeats();
    } finally {
      await watched.world.ssh.faults.setUnreachable(W1, false);
    }
  }, 40_000);

  it("a node that becomes unreachable during the run: the run stops, the files stay fully moved, the message says where they are", async () => {
    const { service, run, plan, before } = await approvedRun();
    const reporter = {
      async report(e: RunEvent) {
        if (e.type === "step-started" && e.kind === "restart-cni-agent" && e.node === W1)
          await watched.world.ssh.faults.setUnreachable(W1, true);
      },
    };
    try {
      const result = await service.execute(run.id, reporter);
      captured.push(JSON.stringify(result));

      expect(result.status, result.message).toBe("failed");
      const q = quarantineOf(plan, W1);
      expect(result.message).toMatch(
        new RegExp(`restart-cni-agent on ${W1} failed: .*(unreachable|reach|ECONNREFUSED)`, "i"),
      );
      expect(result.message).toContain(`Rollback on ${W1} failed`);
      expect(result.message).toContain(q.backupDir);
      expect(verdicts(plan, before)).toEqual({
        [W1]: { state: "moved" },
        "k8s-worker2": { state: "restored" },
      });
      // The agent on worker1 was restarted once; worker2 was never reached.
      const deletes = [...watched.api.podDeletes().keys()];
      expect(deletes.filter((p) => p.startsWith("calico-system/")).length).toBe(1);
      checkNoRepeats();
    } finally {
      await watched.world.ssh.faults.setUnreachable(W1, false);
    }
  }, 40_000);

  it("leaks no secret in results, CLI output or logs", () => {
    const text = [...captured, ...watched.world.logLines].join("\n");
    expect(watched.world.logLines.length).toBeGreaterThan(0);
    expect(findSecrets(text, simSecrets(watched.world.sim, [watched.world.dir]))).toEqual([]);
  });
});
