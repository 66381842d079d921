/**
 * The replacement calico-node on k8s-worker2 writes fresh files (install-cni) and then crash-loops
 * (agent-crash-after-install). Rolling back must not keep the new files: `mv -n` would silently leave them in place and
 * the originals in the backup. The run moves them into `displaced-<run>/` (kept, never deleted) and restores the
 * originals, so worker2's conf dir ends byte for byte as before the run.
 */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CONF, filesVerdict } from "../support/fault-records.ts";
import { alice, bob, type Harness, snapshotTree, startHarness } from "../support/sim-harness.ts";

describe("the replacement agent rewrites the files, then never becomes Ready", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness("agent-crash-after-install", { syncPeriodMs: 200 });
  }, 30_000);
  afterAll(async () => {
    await h?.stop();
  });

  it("rolls worker2 back byte for byte and keeps the files install-cni wrote in displaced-<run>/", async () => {
    const diagnosis = await h.diagnoseUntil(
      (d) =>
        d.findings.some((f) => f.rootCause === "stale-cni-config" && f.nodes.length === 2) &&
        d.findings.every((f) => f.evidence.nodes.every((n) => n.inspection !== null)),
    );
    const worker2 = h.sim.nodeRoot("k8s-worker2");
    const before = snapshotTree(join(worker2, CONF));
    // The timeout under test runs out on worker2; worker1's agent must come back within it, so it is generous.
    const service = await h.service({ agentReadyTimeoutMs: 15_000 });
    const { run, plan } = await service.propose(diagnosis, { requestedBy: alice });
    await service.approve(run.id, bob);
    const result = await service.execute(run.id, { report: () => {} });

    expect(result.status, result.message).toBe("rolled-back");
    const q = plan.steps.find(
      (s) => s.kind === "quarantine-cni-config" && s.node === "k8s-worker2",
    )?.quarantine;
    if (!q) throw new Error("no quarantine step on k8s-worker2");
    expect(filesVerdict(before, worker2, q.backupDir, q.files)).toEqual({ state: "restored" });

    // What install-cni wrote in the meantime is kept aside, not deleted and not left in place.
    const displaced = join(worker2, q.backupDir.replace(/^\//, ""), `displaced-${run.id}`);
    const aside = readdirSync(displaced).sort();
    expect(aside).toEqual(expect.arrayContaining(["10-calico.conflist", "calico-kubeconfig"]));
    const freshKubeconfig = readFileSync(join(displaced, "calico-kubeconfig"), "utf8");
    expect(freshKubeconfig.split("\n")[0]).toBe("# Kubeconfig file for Calico CNI plugin.");
    // A different file from the original (snapshot entries are "sha256 mode").
    const freshSum = createHash("sha256").update(freshKubeconfig).digest("hex");
    expect(before["/calico-kubeconfig"]?.split(" ")[0]).not.toBe(freshSum);
    expect(result.message).toMatch(/displaced-/);
  }, 90_000);
});
