/**
 * The stale-config false positive, end to end on the simulated cluster: k8s-worker1's Node object is an hour old,
 * its calico-kubeconfig three hours old, yet the files are this cluster's and their token works. Read over SSH with
 * the real file shapes, the node must not be called stale even if its events had suggested it, and `diagnose` says
 * the cluster is healthy.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  inspectNode,
  readClusterReference,
  refineRootCause,
} from "../../../src/diagnosis/forensics/index.ts";
import { loadCluster } from "../../../src/kube/cluster-config.ts";
import { createClusterReader } from "../../../src/kube/reader.ts";
import { loadInventory, NodeAccess } from "../../../src/nodes/index.ts";
import { loadScenario, type RunningSimulatedCluster, startSimulatedCluster } from "../../../src/sim/index.ts";
import { type NodeSshServers, startNodeSshServers, writeNodesOut } from "../../../src/sim/ssh/index.ts";
import { runCli } from "../../support/run-cli.ts";

const SCENARIO = "node-reregistered";
let sim: RunningSimulatedCluster;
let ssh: NodeSshServers;
let dir: string;
let kubeconfigPath: string;
let nodesFile: string;

beforeAll(async () => {
  sim = await startSimulatedCluster({ scenario: SCENARIO, port: 0 });
  dir = await mkdtemp(join(tmpdir(), `cni-doctor-e2e-${SCENARIO}-`));
  const nodes = loadScenario(SCENARIO).nodes.map((n) => ({ name: n.name, root: sim.nodeRoot(n.name) }));
  ssh = await startNodeSshServers({ nodes });
  kubeconfigPath = join(dir, "kubeconfig");
  await writeFile(kubeconfigPath, sim.kubeconfig(), { mode: 0o600 });
  nodesFile = (await writeNodesOut(ssh, join(dir, "nodes.yaml"), { connectRetries: 0 })).nodesFile;
});
afterAll(async () => {
  await ssh?.close();
  await sim?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("a Node re-registered after its Calico files were written", () => {
  it("is not called stale from its files, even against a cluster-side stale guess", async () => {
    const cluster = loadCluster({ kubeconfigPath });
    const reader = createClusterReader(cluster.kubeConfig, cluster.identity, { requestTimeoutMs: 10_000 });
    const shell = new NodeAccess(await loadInventory(nodesFile), { env: {} });
    try {
      const node = (await reader.listNodes()).find((n) => n.metadata?.name === "k8s-worker1");
      const nodeCreatedAt = String(node?.metadata?.creationTimestamp ?? "");
      const { reference } = await readClusterReference(reader);
      const forensics = await inspectNode(
        shell,
        reader,
        { node: "k8s-worker1", internalIP: "192.168.56.11" },
        reference,
      );
      // The trap is set as described: the file predates the Node object, and it is this cluster's.
      const modifiedAt = Date.parse(forensics.kubeconfig?.modifiedAt ?? "");
      expect(modifiedAt).toBeLessThan(Date.parse(nodeCreatedAt));
      expect(forensics.kubeconfig).toMatchObject({ status: "ok", caMatchesCluster: true });
      expect(forensics.kubeconfig?.token?.review?.status).toBe("authenticated");

      const verdict = refineRootCause({
        family: "cni-credentials-rejected",
        cni: "calico",
        clusterVerdict: {
          rootCause: "stale-cni-config",
          confidence: "low",
          facts: ["Cluster-side guess: not inspected."],
        },
        forensics,
        agent: null,
        agentName: "calico-node",
        deployedCnis: ["calico"],
        nodeCreatedAt,
        now: new Date(),
      });
      expect(verdict.rootCause).not.toBe("stale-cni-config");
      expect(verdict.facts.join("\n")).not.toMatch(/before the node joined/);
    } finally {
      await shell.close();
    }
  });

  it("`diagnose` finds the cluster healthy", async () => {
    const r = await runCli(["diagnose", "--kubeconfig", kubeconfigPath, "--nodes-file", nodesFile, "--json"]);
    expect(r.code, r.err).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ healthy: true, findings: [] });
  });
});
