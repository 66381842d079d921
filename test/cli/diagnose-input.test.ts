/**
 * `diagnose` with input that names nothing real, through the CLI against the simulated API server: a typo is a usage
 * error (exit 2) that names what was not found and what exists, never "Healthy" or "Incomplete".
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closestName } from "../../src/shared/closest-name.ts";
import { type RunningSimulatedCluster, startSimulatedCluster } from "../../src/sim/index.ts";
import { runCli } from "../support/run-cli.ts";

describe("diagnose: a scope naming nothing real", () => {
  let sim: RunningSimulatedCluster;
  let dir: string;
  let kubeconfigPath: string;

  beforeAll(async () => {
    sim = await startSimulatedCluster({ scenario: "healthy", port: 0, sshNodes: false, syncPeriodMs: 200 });
    dir = await mkdtemp(join(tmpdir(), "cni-doctor-diagnose-input-"));
    kubeconfigPath = join(dir, "kubeconfig");
    await writeFile(kubeconfigPath, sim.kubeconfig(), { mode: 0o600 });
  }, 30_000);
  afterAll(async () => {
    await sim?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("--namespace of a namespace without pods exits 2, naming it and the namespaces that have pods", async () => {
    const r = await runCli(["diagnose", "--kubeconfig", kubeconfigPath, "--namespace", "nosuchns"]);
    expect(r.code, r.out + r.err).toBe(2);
    expect(r.out).toBe("");
    expect(r.err).toMatch(/namespace "nosuchns" has no pods \(it does not exist, or is empty\)/);
    expect(r.err).toMatch(/Namespaces with pods: [^\n]*calico-system[^\n]*default/);
    const ok = await runCli(["diagnose", "--kubeconfig", kubeconfigPath, "--namespace", "default"]);
    expect(ok.code, ok.out + ok.err).toBe(0);
  });

  it("--node of an unknown node exits 2, naming the closest real node and listing them", async () => {
    const r = await runCli(["diagnose", "--kubeconfig", kubeconfigPath, "--node", "k8s-wrker1"]);
    expect(r.code, r.out + r.err).toBe(2);
    expect(r.err).toMatch(
      /node "k8s-wrker1" does not exist; did you mean "k8s-worker1"\? Nodes: k8s-master, k8s-worker1, k8s-worker2\./,
    );
    const ok = await runCli(["diagnose", "--kubeconfig", kubeconfigPath, "--node", "k8s-worker1"]);
    expect(ok.code, ok.out + ok.err).toBe(0);
  });

  it("the closest name is the one fewest edits away", () => {
    expect(closestName("k8s-wroker2", ["k8s-master", "k8s-worker1", "k8s-worker2"])).toBe("k8s-worker2");
    expect(closestName("x", [])).toBeNull();
  });
});
