import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadCluster } from "../../src/kube/cluster-config.ts";
import { KubeAccessError } from "../../src/kube/errors.ts";
import { type ClusterReader, createClusterReader } from "../../src/kube/reader.ts";
import { isPodReady, waitForPods } from "../../src/kube/wait.ts";
import { type RunningSimulatedCluster, startSimulatedCluster } from "../../src/sim/index.ts";

describe("waitForPods against the simulated API server", () => {
  let sim: RunningSimulatedCluster;
  let dir: string;
  let reader: ClusterReader;
  let cluster: ReturnType<typeof loadCluster>;

  beforeAll(async () => {
    sim = await startSimulatedCluster({ scenario: "stale-cni-config", port: 0, sshNodes: false });
    dir = await mkdtemp(join(tmpdir(), "cni-doctor-wait-"));
    await writeFile(join(dir, "kubeconfig"), sim.kubeconfig());
    cluster = loadCluster({ kubeconfigPath: join(dir, "kubeconfig") });
    reader = createClusterReader(cluster.kubeConfig, cluster.identity);
  });
  afterAll(async () => {
    await sim.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const calicoOnWorker1 = {
    namespace: "calico-system",
    labelSelector: "k8s-app=calico-node",
    fieldSelector: "spec.nodeName=k8s-worker1",
  };

  it("sees a replacement agent pod become Ready through the watch", async () => {
    const [before] = await reader.listPods(calicoOnWorker1);
    const oldUid = before?.metadata?.uid;
    expect(oldUid).toBeDefined();
    // A forced delete straight in the store; the DaemonSet controller then makes a replacement pod.
    sim.store.delete("pods", "calico-system", before?.metadata?.name as string);

    const pods = await waitForPods(cluster.kubeConfig, reader, {
      query: calicoOnWorker1,
      satisfied: (ps) => ps.some((p) => p.metadata?.uid !== oldUid && isPodReady(p)),
      timeoutMs: 20_000,
      description: "calico-node on k8s-worker1 to be replaced",
    });
    expect(pods.some((p) => p.metadata?.uid !== oldUid && isPodReady(p))).toBe(true);
  });

  it("continues from the list's resourceVersion: a pod deleted between the list and the watch does not linger", async () => {
    const [victim] = await reader.listPods({ namespace: "default", labelSelector: "app=redis" });
    const victimUid = victim?.metadata?.uid;
    expect(victimUid).toBeDefined();
    let first = true;
    // The list sees the pod; it is deleted before the watch opens (the window a loaded API server widens).
    const racing: ClusterReader = {
      ...reader,
      listPodsAtVersion: async (q) => {
        const list = await reader.listPodsAtVersion(q);
        if (first) {
          first = false;
          sim.store.delete("pods", "default", victim?.metadata?.name as string);
        }
        return list;
      },
    };
    const pods = await waitForPods(cluster.kubeConfig, racing, {
      query: { namespace: "default", labelSelector: "app=redis" },
      satisfied: (ps) => !ps.some((p) => p.metadata?.uid === victimUid),
      timeoutMs: 10_000,
      description: "the deleted pod to be gone",
    });
    expect(pods.some((p) => p.metadata?.uid === victimUid)).toBe(false);
  });

  it("reports a refused watch as forbidden instead of retrying it", async () => {
    const remove = sim.apiServer.faults.add({ resource: "pods", verb: "watch", status: 403 });
    try {
      const error = await waitForPods(cluster.kubeConfig, reader, {
        query: calicoOnWorker1,
        satisfied: () => false,
        timeoutMs: 20_000,
        description: "something that never happens",
      }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(KubeAccessError);
      expect((error as KubeAccessError).failure).toBe("forbidden");
      expect(sim.apiServer.requestCount()).toBeGreaterThan(0);
    } finally {
      remove();
    }
  });

  it("times out with a message naming what it waited for", async () => {
    const error = await waitForPods(cluster.kubeConfig, reader, {
      query: calicoOnWorker1,
      satisfied: () => false,
      timeoutMs: 300,
      description: "a pod that never comes",
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KubeAccessError);
    expect((error as KubeAccessError).failure).toBe("timeout");
    expect((error as Error).message).toContain("a pod that never comes");
  });
});
