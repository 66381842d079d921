/**
 * A nodes-file entry naming no node (`k8s-wroker2:`), through `cni-doctor diagnose` against the simulated cluster and
 * its nodes' SSH servers: the entry is a warning naming it and the closest node, and the node it was meant for is not
 * dialled at its InternalIP (an address the operator never gave) but reported as not inspected, saying why.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Diagnosis } from "../../src/diagnosis/index.ts";
import { parseInventory, resolveNodeTarget, withClusterNodes } from "../../src/nodes/index.ts";
import { loadScenario, type RunningSimulatedCluster, startSimulatedCluster } from "../../src/sim/index.ts";
import { type NodeSshServers, startNodeSshServers, writeNodesOut } from "../../src/sim/ssh/index.ts";
import { runCli } from "../support/run-cli.ts";

describe("diagnose with a nodes-file entry naming no node", () => {
  let sim: RunningSimulatedCluster;
  let ssh: NodeSshServers;
  let dir: string;
  let kubeconfigPath: string;
  let nodesFile: string;

  beforeAll(async () => {
    sim = await startSimulatedCluster({ scenario: "stale-cni-config", port: 0 });
    dir = await mkdtemp(join(tmpdir(), "cni-doctor-misnamed-"));
    const nodes = loadScenario("stale-cni-config").nodes.map((n) => ({
      name: n.name,
      root: sim.nodeRoot(n.name),
    }));
    ssh = await startNodeSshServers({ nodes });
    kubeconfigPath = join(dir, "kubeconfig");
    await writeFile(kubeconfigPath, sim.kubeconfig(), { mode: 0o600 });
    nodesFile = (await writeNodesOut(ssh, join(dir, "nodes.yaml"), { connectRetries: 0 })).nodesFile;
    const text = await readFile(nodesFile, "utf8");
    expect(text).toMatch(/^ {2}k8s-worker2:$/m);
    await writeFile(nodesFile, text.replace(/^ {2}k8s-worker2:$/m, "  k8s-wroker2:"));
  }, 30_000);
  afterAll(async () => {
    await ssh?.close();
    await sim?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("warns naming the entry and the closest node, and does not dial that node at its InternalIP", async () => {
    let last: Awaited<ReturnType<typeof runCli>> | undefined;
    let diagnosis: Diagnosis | undefined;
    for (let attempt = 0; attempt < 40; attempt++) {
      last = await runCli(["diagnose", "--kubeconfig", kubeconfigPath, "--nodes-file", nodesFile, "--json"]);
      const d = last.code === 1 ? undefined : (JSON.parse(last.out) as Diagnosis);
      if (d?.findings.flatMap((f) => f.nodes).includes("k8s-worker2")) {
        diagnosis = d;
        break;
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(diagnosis, `${last?.out}\n${last?.err}`).toBeDefined();
    expect(last?.err).toMatch(
      /warning: nodes file \S+nodes\.yaml: entry "k8s-wroker2" names no node in the cluster \(closest node: k8s-worker2\); k8s-worker2 will not be dialled until the entry is renamed to k8s-worker2\./,
    );
    const evidence = diagnosis?.findings.flatMap((f) => f.evidence.nodes) ?? [];
    const worker2 = evidence.find((n) => n.name === "k8s-worker2");
    expect(worker2?.notInspectedReason).toMatchObject({ kind: "inventory-invalid" });
    expect(worker2?.notInspectedReason?.message).toMatch(/entry "k8s-wroker2" names no node/);
    expect(worker2?.inspection ?? null).toBeNull();
    // The correctly named node is still inspected over SSH.
    expect(evidence.find((n) => n.name === "k8s-worker1")?.inspection).toBeTruthy();
  }, 60_000);

  it("only a node without its own entry, a typo away, is refused", () => {
    const inventory = parseInventory(
      [
        "defaults: { user: u, privateKeyPath: /k, knownHostsPath: /kh }",
        "nodes:",
        "  k8s-worker1: { host: 10.0.0.11 }",
        "  k8s-wroker2: { host: 10.0.0.99 }",
        "  old-gpu-node: {}",
      ].join("\n"),
      "nodes.yaml",
      "/",
    );
    const { inventory: checked, unmatched } = withClusterNodes(inventory, [
      "k8s-worker1",
      "k8s-worker2",
      "k8s-worker3",
    ]);
    expect(unmatched.map((u) => [u.entry, u.closestNode, u.refusedNode])).toEqual([
      ["k8s-wroker2", "k8s-worker2", "k8s-worker2"],
      ["old-gpu-node", "k8s-worker1", null],
    ]);
    expect(() => resolveNodeTarget(checked, "k8s-worker2", "192.168.56.12")).toThrow(
      /node k8s-worker2: not dialled: the nodes file's entry "k8s-wroker2" names no node.*Rename nodes\.k8s-wroker2 to k8s-worker2/,
    );
    expect(resolveNodeTarget(checked, "k8s-worker1", "192.168.56.11").host).toBe("10.0.0.11");
    expect(resolveNodeTarget(checked, "k8s-worker3", "192.168.56.13").host).toBe("192.168.56.13");
  });
});
