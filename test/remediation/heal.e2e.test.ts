/**
 * End to end on the simulated cluster over SSH: the two incident reports healed through the RemediationService,
 * as the Slack bot will drive it (propose by one person, approve by another, execute), with backups proven
 * byte-identical on the nodes and the result verified.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Diagnosis } from "../../src/diagnosis/index.ts";
import {
  alice,
  bob,
  collectEvents,
  type Harness,
  snapshotTree,
  startHarness,
} from "../support/sim-harness.ts";

const CONF = "etc/cni/net.d";

describe.each([
  { scenario: "stale-cni-config", nodes: ["k8s-worker1", "k8s-worker2"], cause: "stale-cni-config" },
  { scenario: "expired-token", nodes: ["k8s-worker2"], cause: "cni-token-expired" },
])("$scenario is healed", ({ scenario, nodes, cause }) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(scenario);
  }, 30_000);
  afterAll(async () => h?.stop());

  it("proposes, is approved by a second person, runs, verifies, and keeps byte-identical backups", async () => {
    const ready = (d: Diagnosis) =>
      d.findings.some((f) => f.rootCause === cause && f.nodes.length === nodes.length) &&
      d.findings.every((f) => f.evidence.nodes.every((n) => n.inspection !== null));
    const diagnosis = await h.diagnoseUntil(ready);
    const before = Object.fromEntries(nodes.map((n) => [n, snapshotTree(join(h.sim.nodeRoot(n), CONF))]));
    const service = await h.service();
    const proposed = await service.propose(diagnosis, { requestedBy: alice });
    expect(proposed.policyViolations).toEqual([]);
    expect(proposed.plan.blastRadius.nodes).toEqual(nodes);

    const approval = await service.approve(proposed.run.id, bob);
    expect(approval.status).toBe("approved");
    const progress = collectEvents();
    const result = await service.execute(proposed.run.id, progress);
    expect(result, JSON.stringify(result, null, 2)).toMatchObject({ status: "succeeded" });
    if (result.status !== "succeeded") return;
    expect(result.verification?.ok).toBe(true);

    // The pods run and the Service has its endpoints back (the incident's `kubectl get endpoints redis-master`).
    const pods = (await h.sim.store.list("pods", "default")).filter(
      (p) => p.metadata.labels?.app === "redis",
    );
    expect(pods.length).toBe(2);
    for (const p of pods) expect(p.status?.phase).toBe("Running");
    const ep = h.sim.store.get("endpoints", "default", "redis-master") as {
      subsets?: Array<{ addresses?: Array<{ ip: string }> }>;
    };
    const ips = (ep.subsets ?? []).flatMap((s) => (s.addresses ?? []).map((a) => a.ip)).sort();
    expect(ips).toEqual(pods.map((p) => p.status?.podIP).sort());

    // A second diagnosis is healthy.
    expect((await h.diagnose()).healthy).toBe(true);

    // Backups: for the stale config, the moved files are in the backup dir byte for byte.
    const quarantines = proposed.plan.steps.filter((s) => s.kind === "quarantine-cni-config");
    if (cause === "stale-cni-config") expect(quarantines.map((s) => s.node)).toEqual(nodes);
    for (const step of quarantines) {
      const q = step.quarantine as NonNullable<typeof step.quarantine>;
      const node = step.node as string;
      const backup = snapshotTree(join(h.sim.nodeRoot(node), q.backupDir));
      for (const f of q.files)
        expect(backup[`/${f}`], `${node}:${q.backupDir}/${f}`).toBe(before[node]?.[`/${f}`]);
      // install-cni wrote fresh files in their place.
      const now = snapshotTree(join(h.sim.nodeRoot(node), CONF));
      expect(now["/calico-kubeconfig"]).toBeDefined();
      expect(now["/calico-kubeconfig"]).not.toBe(before[node]?.["/calico-kubeconfig"]);
    }
    // Audit: journal, log lines and node Events.
    const runs = await service.recentRuns();
    expect(runs[0]).toMatchObject({ id: proposed.run.id, state: "succeeded" });
    expect(h.logLines.some((l) => l.includes('"runId"') && l.includes("restart-cni-agent"))).toBe(true);
    const events = h.sim.store
      .list("events", "default")
      .filter((e) => (e as { reason?: string }).reason === "CNIDoctorRemediation");
    expect(
      new Set(events.map((e) => (e as unknown as { involvedObject: { name: string } }).involvedObject.name)),
    ).toEqual(new Set(nodes));
    expect(progress.events.map((e) => e.type)).toContain("run-finished");
    // Nothing secret anywhere it wrote.
    const token =
      /token:\s*(\S+)/.exec(
        readFileSync(join(h.sim.nodeRoot(nodes[0] as string), CONF, "calico-kubeconfig"), "utf8"),
      )?.[1] ?? "";
    expect(token.length).toBeGreaterThan(40);
    expect(h.logLines.join("\n")).not.toContain(token);
    expect(JSON.stringify(await service.recentRuns())).not.toContain(token);
  }, 90_000);
});

describe("stale-cni-config on a kubelet that has backed off", () => {
  let h: Harness;
  beforeAll(async () => {
    // Ten minutes between sandbox retries: once the node is fixed, the stuck pods stay stuck until recreated.
    h = await startHarness("stale-cni-config", { sandboxRetryMs: 600_000 });
  }, 30_000);
  afterAll(async () => h?.stop());

  it("recreates the stuck controller-owned pods, and the replacements run and fill the endpoints", async () => {
    const diagnosis = await h.diagnoseUntil((d) =>
      d.findings.some((f) => f.rootCause === "stale-cni-config" && f.nodes.length === 2),
    );
    const stuckUids = new Set(
      h.sim.store
        .list("pods", "default")
        .filter((p) => p.metadata.labels?.app === "redis")
        .map((p) => p.metadata.uid),
    );
    expect(stuckUids.size).toBe(2);
    const service = await h.service();
    const proposed = await service.propose(diagnosis, { requestedBy: alice });
    expect(proposed.plan.steps.map((s) => s.kind)).toContain("recycle-pods");
    expect((await service.approve(proposed.run.id, bob)).status).toBe("approved");
    const result = await service.execute(proposed.run.id, collectEvents());
    expect(result, JSON.stringify(result, null, 2)).toMatchObject({ status: "succeeded" });

    const redis = h.sim.store.list("pods", "default").filter((p) => p.metadata.labels?.app === "redis");
    expect(redis).toHaveLength(2);
    for (const p of redis) {
      expect(stuckUids.has(p.metadata.uid), "a stuck pod was left in place").toBe(false);
      expect(p.status?.phase).toBe("Running");
    }
    const ep = h.sim.store.get("endpoints", "default", "redis-master") as {
      subsets?: Array<{ addresses?: Array<{ ip: string }> }>;
    };
    const ips = (ep.subsets ?? []).flatMap((s) => (s.addresses ?? []).map((a) => a.ip)).sort();
    expect(ips).toEqual(redis.map((p) => p.status?.podIP).sort());
  }, 90_000);
});
