/**
 * Faults in the simulated API server: 500s, latency, dropped watches and continue tokens that expire (410 Gone).
 * Diagnosis (through the CLI, as an operator runs it, and through the service): a failed or slow read is reported
 * as an error and the result is never "healthy"; an expired continue token restarts the list once, a second expiry
 * is reported. Remediation: a 500 on the agent's deletion fails the step cleanly and restores the node byte for
 * byte; the wait for calico-node Ready survives dropped watches under added latency and the run heals.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.ts";
import type { Diagnosis } from "../../src/diagnosis/index.ts";
import { diagnoseCluster } from "../../src/diagnosis/index.ts";
import { loadCluster } from "../../src/kube/cluster-config.ts";
import { createClusterReader } from "../../src/kube/reader.ts";
import type { Plan } from "../../src/remediation/plan.ts";
import { type RunningSimulatedCluster, startSimulatedCluster } from "../../src/sim/index.ts";
import {
  CONF,
  deletedTwice,
  filesVerdict,
  findSecrets,
  recordApiRequests,
  recordExecutions,
  simSecrets,
} from "../support/fault-records.ts";
import { alice, bob, type Harness, snapshotTree, startHarness } from "../support/sim-harness.ts";

async function runCli(argv: string[], env: Record<string, string> = {}) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = "";
  let err = "";
  stdout.on("data", (d) => (out += d));
  stderr.on("data", (d) => (err += d));
  const code = await main(argv, { stdout, stderr, stdin: new PassThrough(), env });
  return { code, out, err };
}

describe("API server faults: diagnosis", () => {
  let sim: RunningSimulatedCluster;
  let dir: string;
  let kubeconfigPath: string;
  let api: ReturnType<typeof recordApiRequests>;
  const captured: string[] = [];

  beforeAll(async () => {
    sim = await startSimulatedCluster({ scenario: "healthy", port: 0, sshNodes: false, syncPeriodMs: 200 });
    api = recordApiRequests(sim);
    dir = await mkdtemp(join(tmpdir(), "cni-doctor-faults-api-"));
    kubeconfigPath = join(dir, "kubeconfig");
    await writeFile(kubeconfigPath, sim.kubeconfig(), { mode: 0o600 });
  }, 30_000);
  afterAll(async () => {
    sim?.apiServer.faults.clear();
    await sim?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const diagnose = () => runCli(["diagnose", "--kubeconfig", kubeconfigPath]);
  /** The verdict the CLI prints for a healthy cluster; no faulted run may print it. */
  let healthyVerdict = "";

  it("a healthy cluster is healthy without faults (the baseline the faults below must break)", async () => {
    const r = await diagnose();
    captured.push(r.out, r.err);
    expect(r.code, r.out + r.err).toBe(0);
    healthyVerdict = r.out.trim().split("\n").at(-1) ?? "";
    expect(healthyVerdict).not.toBe("");
  });

  it("500s on a list: the CLI reports the failed read, exits 4 (incomplete), never healthy", async () => {
    const remove = sim.apiServer.faults.add({ resource: "events", verb: "list", status: 500 });
    try {
      const r = await diagnose();
      captured.push(r.out, r.err);
      expect(r.code, r.out + r.err).toBe(4);
      expect(r.out).not.toContain(healthyVerdict);
      expect(r.out).toMatch(/Incomplete: .* not a clean bill of health/);
      expect(r.out).toMatch(/list events in all namespaces .*reason=FailedCreatePodSandBox.*HTTP 500/);
      expect(r.out).toMatch(/HTTP 500/);
      const json = JSON.parse((await runCli(["diagnose", "--kubeconfig", kubeconfigPath, "--json"])).out);
      expect(json.healthy).toBe(false);
      expect(json.errors).toContainEqual(
        expect.objectContaining({
          failure: "server-error",
          operation: expect.stringContaining("reason=FailedCreatePodSandBox"),
        }),
      );
    } finally {
      remove();
    }
  });

  it("latency past the request timeout: reported as a timeout, never healthy; latency within it changes nothing", async () => {
    const slow = sim.apiServer.faults.add({ resource: "nodes", verb: "list", delayMs: 1500 });
    try {
      const r = await runCli(["diagnose", "--kubeconfig", kubeconfigPath, "--json"], {
        CNI_DOCTOR_KUBE_TIMEOUT_MS: "300",
      });
      captured.push(r.out, r.err);
      expect(r.code).toBe(4);
      const d = JSON.parse(r.out) as Diagnosis;
      expect(d.healthy).toBe(false);
      expect(d.errors).toContainEqual(
        expect.objectContaining({ operation: "list nodes", failure: "timeout" }),
      );
    } finally {
      slow();
    }
    const lagging = sim.apiServer.faults.add({ delayMs: 100 });
    try {
      const r = await diagnose();
      captured.push(r.out, r.err);
      expect(r.code, r.out).toBe(0);
    } finally {
      lagging();
    }
  });

  it("410 Gone on a continue token: the list starts over once and the result is complete; a second expiry is reported", async () => {
    const cluster = loadCluster({ kubeconfigPath });
    const reader = createClusterReader(cluster.kubeConfig, cluster.identity, {
      requestTimeoutMs: 5000,
      pageSize: 2,
    });
    const baseline = await diagnoseCluster(reader);
    expect(baseline.checked.nodes).toBeGreaterThan(2); // so the node list takes more than one page
    const firstPages = () =>
      api.requests.filter((r) => r.verb === "list" && r.resource === "nodes" && r.method === "GET").length;

    const once = sim.apiServer.faults.add({
      resource: "nodes",
      verb: "list",
      expireContinue: true,
      times: 1,
    });
    const before = firstPages();
    const d1 = await diagnoseCluster(reader);
    once();
    expect(d1.errors).toEqual([]);
    expect(d1.healthy).toBe(true);
    expect(d1.checked).toEqual(baseline.checked);
    // First page, the expired second page, then the whole list again.
    expect(firstPages() - before).toBeGreaterThan(Math.ceil(baseline.checked.nodes / 2));

    const twice = sim.apiServer.faults.add({
      resource: "nodes",
      verb: "list",
      expireContinue: true,
      times: 2,
    });
    const d2 = await diagnoseCluster(reader);
    twice();
    captured.push(JSON.stringify(d2));
    expect(d2.healthy).toBe(false);
    expect(d2.errors).toContainEqual(expect.objectContaining({ operation: "list nodes", failure: "gone" }));
  });

  it("leaks no secret in the CLI's output", () => {
    expect(findSecrets(captured.join("\n"), simSecrets(sim, [dir]))).toEqual([]);
  });
});

describe("API server faults: remediation", () => {
  let h: Harness;
  let api: ReturnType<typeof recordApiRequests>;
  let journal: ReturnType<typeof recordExecutions>;
  const captured: string[] = [];
  const NODES = ["k8s-worker1", "k8s-worker2"];

  beforeAll(async () => {
    // Kubelets that sync every second: a replacement calico-node takes that long to be Ready, so a watch on it that
    // drops after 10 ms is certainly dropped before it could see the pod Ready.
    h = await startHarness("stale-cni-config", { syncPeriodMs: 1000 });
    api = recordApiRequests(h.sim);
    journal = recordExecutions(h.sim);
  }, 30_000);
  afterAll(async () => {
    journal?.stop();
    h?.sim.apiServer.faults.clear();
    await h?.stop();
  });

  async function approvedRun() {
    const diagnosis = await h.diagnoseUntil(
      (d) =>
        d.findings.some((f) => f.rootCause === "stale-cni-config" && f.nodes.length === 2) &&
        d.findings.every((f) => f.evidence.nodes.every((n) => n.inspection !== null)),
    );
    const before = Object.fromEntries(NODES.map((n) => [n, snapshotTree(join(h.sim.nodeRoot(n), CONF))]));
    const service = await h.service();
    const { run, plan } = await service.propose(diagnosis, { requestedBy: alice });
    expect((await service.approve(run.id, bob)).status).toBe("approved");
    return { service, run, plan, before };
  }

  function verdicts(plan: Plan, before: Record<string, Record<string, string>>) {
    return Object.fromEntries(
      NODES.map((n) => {
        const q = plan.steps.find((s) => s.kind === "quarantine-cni-config" && s.node === n)?.quarantine;
        if (!q) throw new Error(`no quarantine on ${n}`);
        return [n, filesVerdict(before[n] ?? {}, h.sim.nodeRoot(n), q.backupDir, q.files).state];
      }),
    );
  }

  it("500 on deleting the agent pod: the step fails saying so, the node is restored byte for byte", async () => {
    const { service, run, plan, before } = await approvedRun();
    const remove = h.sim.apiServer.faults.add({ method: "DELETE", resource: "pods", status: 500 });
    let result: Awaited<ReturnType<typeof service.execute>>;
    try {
      result = await service.execute(run.id, { report: () => {} });
    } finally {
      remove();
    }
    captured.push(JSON.stringify(result));
    expect(result.status, result.message).toBe("rolled-back");
    expect(result.message).toMatch(
      /restart-cni-agent on k8s-worker1 failed: delete pod calico-system\/calico-node-\S+ .*HTTP 500/,
    );
    expect(result.message).toMatch(/Restored 10-calico.conflist, calico-kubeconfig .* byte-identical/);
    expect(verdicts(plan, before)).toEqual({ "k8s-worker1": "restored", "k8s-worker2": "restored" });
    // One DELETE (refused), not retried; the agent still runs.
    expect([...api.podDeletes().values()]).toEqual([1]);
    expect(journal.executions.get(run.id)).toBe(1);
    expect((await service.recentRuns())[0]).toMatchObject({ id: run.id, state: "rolled-back" });
  }, 40_000);

  it("dropped watches and added latency: the wait for calico-node Ready starts over and the run heals", async () => {
    const { service, run, plan, before } = await approvedRun();
    const requestsBefore = api.requests.length;
    const drops = h.sim.apiServer.faults.add({
      pathPrefix: "/api/v1/namespaces/calico-system/pods",
      verb: "watch",
      dropWatchAfterMs: 10,
      times: 3,
    });
    const lag = h.sim.apiServer.faults.add({ delayMs: 40 });
    let result: Awaited<ReturnType<typeof service.execute>>;
    try {
      result = await service.execute(run.id, { report: () => {} });
      // The drop rule retired itself: three agent watches were cut, each 10 ms after it opened.
      expect(h.sim.apiServer.faults.size).toBe(1);
    } finally {
      drops();
      lag();
    }
    captured.push(JSON.stringify(result));
    expect(result.status, result.message).toBe("succeeded");
    // Two agent restarts need one watch each (none if the list already shows the pod Ready); more means a wait
    // whose watch was cut started watching again.
    const agentWatches = api.requests
      .slice(requestsBefore)
      .filter((r) => r.verb === "watch" && r.path.startsWith("/api/v1/namespaces/calico-system/pods"));
    expect(agentWatches.length).toBeGreaterThan(2);
    expect(verdicts(plan, before)).toEqual({ "k8s-worker1": "moved", "k8s-worker2": "moved" });
    // This run's DELETEs: each agent once, each stuck pod at most once. (The first case's refused DELETE of
    // worker1's agent was a different run's; that pod was never deleted, so this run deletes it.)
    expect(deletedTwice(api.podDeletes(requestsBefore))).toEqual([]);
    expect(
      [...api.podDeletes(requestsBefore).keys()].filter((p) => p.startsWith("calico-system/")),
    ).toHaveLength(2);
    expect(journal.executions.get(run.id)).toBe(1);
    expect([...journal.executions.values()].every((n) => n === 1)).toBe(true);
  }, 60_000);

  it("leaks no secret in results or logs", () => {
    expect(h.logLines.length).toBeGreaterThan(0);
    expect(findSecrets([...captured, ...h.logLines].join("\n"), simSecrets(h.sim, [h.dir]))).toEqual([]);
  });
});
