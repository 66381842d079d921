/**
 * calico-node never becomes Ready after its restart on k8s-worker2 (agent-wont-start): the run rolls worker2 back
 * and stops, saying why, in what it reports and in the journal. worker1 is healed (files fully moved), worker2 is
 * fully restored (conf dir and backup dir against the snapshot, byte for byte); each agent pod got one DELETE, only
 * the healed worker1's stuck pods were recycled, and the run ran once.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { RunEvent } from "../../src/remediation/run.ts";
import {
  CONF,
  deletedTwice,
  filesVerdict,
  findSecrets,
  simSecrets,
  watchedWorld,
} from "../support/fault-records.ts";
import { alice, bob, snapshotTree, startHarness } from "../support/sim-harness.ts";

const NODES = ["k8s-worker1", "k8s-worker2"];

describe("calico-node never becomes Ready", () => {
  const watched = watchedWorld(() => startHarness("agent-wont-start", { syncPeriodMs: 200 }));
  const captured: string[] = [];

  it("rolls worker2 back byte for byte, keeps worker1 healed, stops and says why", async () => {
    const diagnosis = await watched.world.diagnoseUntil(
      (d) =>
        d.findings.some((f) => f.rootCause === "stale-cni-config" && f.nodes.length === 2) &&
        d.findings.every((f) => f.evidence.nodes.every((n) => n.inspection !== null)),
    );
    const before = Object.fromEntries(
      NODES.map((n) => [n, snapshotTree(join(watched.world.sim.nodeRoot(n), CONF))]),
    );
    // The timeout under test runs out on worker2 (its agent never comes back); worker1's agent must come back within
    // the same timeout, so it is generous for a loaded machine rather than tight.
    const service = await watched.world.service({ agentReadyTimeoutMs: 15_000 });
    const { run, plan } = await service.propose(diagnosis, { requestedBy: alice });
    await service.approve(run.id, bob);
    const events: RunEvent[] = [];
    const result = await service.execute(run.id, { report: (e) => void events.push(e) });
    captured.push(JSON.stringify(result), JSON.stringify(events));

    expect(result.status, result.message).toBe("rolled-back");
    expect(result.message).toMatch(
      /restart-cni-agent on k8s-worker2 failed: calico-node on k8s-worker2 did not come back Ready in time: .*(ImagePull|ErrImagePull)/,
    );
    expect(result.message).toMatch(/Restored 10-calico.conflist, calico-kubeconfig .* byte-identical/);
    const finished = events.filter((e) => e.type === "run-finished");
    expect(finished).toHaveLength(1);
    expect(finished[0]).toMatchObject({ status: "rolled-back", message: result.message });

    const verdict = (n: string) => {
      const q = plan.steps.find((s) => s.kind === "quarantine-cni-config" && s.node === n)?.quarantine;
      if (!q) throw new Error(`no quarantine on ${n}`);
      return filesVerdict(before[n] ?? {}, watched.world.sim.nodeRoot(n), q.backupDir, q.files);
    };
    expect(verdict("k8s-worker1")).toEqual({ state: "moved" });
    expect(verdict("k8s-worker2")).toEqual({ state: "restored" });

    // One DELETE per agent pod, and one per stuck pod of the healed worker1 (recycled before the run ended); none
    // for worker2's stuck pods, which the summary lists as still stuck.
    const deletes = watched.api.podDeletes();
    expect(deletedTwice(deletes)).toEqual([]);
    const recycledOn1 =
      plan.steps.find((s) => s.kind === "recycle-pods" && s.node === "k8s-worker1")?.pods ?? [];
    const agents = [...deletes.keys()].filter((p) => p.startsWith("calico-system/calico-node-"));
    expect(agents).toHaveLength(2);
    // (A stuck pod that recovered on its own once worker1 was fixed is left alone, not deleted.)
    expect([...deletes.keys()].filter((p) => !agents.includes(p)).every((p) => recycledOn1.includes(p))).toBe(
      true,
    );
    const steps = "steps" in result ? result.steps : [];
    expect(steps.filter((s) => s.kind === "recycle-pods").map((s) => [s.node, s.status])).toEqual([
      ["k8s-worker1", "ok"],
    ]);
    expect(result.message).toContain("Still stuck:");
    expect(watched.journal.executions.get(run.id)).toBe(1);
    expect((await service.recentRuns())[0]).toMatchObject({ id: run.id, state: "rolled-back" });
    // Asked again, the same run does not run twice.
    const again = await service.execute(run.id, { report: () => {} });
    expect(again).toMatchObject({ status: "refused", reason: "already-executed" });
    expect(watched.journal.executions.get(run.id)).toBe(1);
  }, 60_000);

  it("leaks no secret in results, progress events or logs", () => {
    expect(watched.world.logLines.length).toBeGreaterThan(0);
    expect(
      findSecrets(
        [...captured, ...watched.world.logLines].join("\n"),
        simSecrets(watched.world.sim, [watched.world.dir]),
      ),
    ).toEqual([]);
  });
});
