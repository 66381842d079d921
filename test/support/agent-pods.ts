/**
 * A simulated cluster set up for node-agent pods as the manifests will set it up: the namespace `cni-doctor-nodes`,
 * labelled privileged for Pod Security (agent pods use hostNetwork and hostPath), and client-node bound to it.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CoreV1Api } from "@kubernetes/client-node";
import { loadCluster } from "../../src/kube/cluster-config.ts";
import type { NodeAgentSettings } from "../../src/kube/node-agent-pods.ts";
import { type RunningSimulatedCluster, startSimulatedCluster } from "../../src/sim/index.ts";

export const AGENT_NAMESPACE = "cni-doctor-nodes";

/** Short timeouts, so a pod that cannot start fails a test quickly. */
export const AGENT_SETTINGS: NodeAgentSettings = {
  namespace: AGENT_NAMESPACE,
  image: "cni-doctor:test",
  priorityClassName: undefined,
  deadlineSeconds: 300,
  startTimeoutMs: 15_000,
  requestTimeoutMs: 5000,
  pollIntervalMs: 100,
};

export interface AgentCluster {
  sim: RunningSimulatedCluster;
  cluster: ReturnType<typeof loadCluster>;
  core: CoreV1Api;
  stop(): Promise<void>;
}

export async function startAgentCluster(scenario: string): Promise<AgentCluster> {
  const sim = await startSimulatedCluster({ scenario, port: 0, sshNodes: false });
  const dir = await mkdtemp(join(tmpdir(), "cni-doctor-agents-"));
  await writeFile(join(dir, "kubeconfig"), sim.kubeconfig());
  const cluster = loadCluster({ kubeconfigPath: join(dir, "kubeconfig") });
  const core = cluster.kubeConfig.makeApiClient(CoreV1Api);
  await core.createNamespace({
    body: {
      metadata: { name: AGENT_NAMESPACE, labels: { "pod-security.kubernetes.io/enforce": "privileged" } },
    },
  });
  return {
    sim,
    cluster,
    core,
    async stop() {
      await sim.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
