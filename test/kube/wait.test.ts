import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadCluster } from "../../src/kube/cluster-config.ts";
import { KubeAccessError } from "../../src/kube/errors.ts";
import { type ClusterReader, createClusterReader } from "../../src/kube/reader.ts";
import { createPodWatcher, isPodReady } from "../../src/kube/wait.ts";
import { type RunningSimulatedCluster, startSimulatedCluster } from "../../src/sim/index.ts";
import { recordApiRequests } from "../support/fault-records.ts";

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

    const pods = await createPodWatcher(cluster.kubeConfig, reader).waitForPods({
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
    const pods = await createPodWatcher(cluster.kubeConfig, racing).waitForPods({
      query: { namespace: "default", labelSelector: "app=redis" },
      satisfied: (ps) => !ps.some((p) => p.metadata?.uid === victimUid),
      timeoutMs: 10_000,
      description: "the deleted pod to be gone",
    });
    expect(pods.some((p) => p.metadata?.uid === victimUid)).toBe(false);
  });

  /** Counts the waiter's lists; the simulated API server's own log counts its watches and their versions. */
  function countingReader() {
    const lists: string[] = [];
    const counting: ClusterReader = {
      ...reader,
      listPodsAtVersion: async (q) => {
        const list = await reader.listPodsAtVersion(q);
        lists.push(list.resourceVersion ?? "");
        return list;
      },
    };
    return { lists, counting };
  }

  /** Deletes calico-node on k8s-worker1 (the DaemonSet replaces it) and returns the old pod's uid. */
  function replaceCalicoOnWorker1(): string {
    const [pod] = sim.store
      .list("pods", "calico-system")
      .filter((p) => (p.spec as { nodeName?: string }).nodeName === "k8s-worker1");
    sim.store.delete("pods", "calico-system", pod?.metadata.name as string);
    return pod?.metadata.uid as string;
  }

  // client-go's reflector resumes a watch from the last resourceVersion it saw and lists again only on 410
  // (k8s.io/client-go/tools/cache/reflector.go: watchHandler, isExpiredError). A wait must do the same: a namespace
  // listed again on every dropped or quiet watch is a full re-list per 30 s per waiter on a large cluster.
  it("resumes a dropped watch from the last version it saw, without listing again", async () => {
    const log = recordApiRequests(sim);
    const since = log.mark();
    const { lists, counting } = countingReader();
    const drops = sim.apiServer.faults.add({
      resource: "pods",
      verb: "watch",
      dropWatchAfterMs: 400,
      times: 2,
    });
    let oldUid = "";
    // A change the watch sees before the first drop: the version to resume from moves past the list's.
    setTimeout(() => {
      const [pod] = sim.store
        .list("pods", "calico-system")
        .filter((p) => (p.spec as { nodeName?: string }).nodeName === "k8s-worker1");
      sim.store.mutate("pods", "calico-system", pod?.metadata.name as string, (p) => {
        p.metadata.annotations = { ...p.metadata.annotations, "example.com/touched": "yes" };
      });
    }, 100);
    setTimeout(() => {
      oldUid = replaceCalicoOnWorker1();
    }, 1500);
    try {
      const pods = await createPodWatcher(cluster.kubeConfig, counting).waitForPods({
        query: calicoOnWorker1,
        satisfied: (ps) => oldUid !== "" && ps.some((p) => p.metadata?.uid !== oldUid && isPodReady(p)),
        timeoutMs: 20_000,
        description: "calico-node on k8s-worker1 to be replaced",
      });
      expect(pods.some((p) => p.metadata?.uid !== oldUid && isPodReady(p))).toBe(true);
    } finally {
      drops();
    }
    expect(lists).toHaveLength(1);
    const watches = log.requests.slice(since).filter((r) => r.verb === "watch");
    expect(watches.length).toBeGreaterThanOrEqual(3);
    expect(watches[0]?.resourceVersion).toBe(lists[0]);
    // The second watch resumes after the annotation change, not from the list's version.
    expect(Number(watches[1]?.resourceVersion)).toBeGreaterThan(Number(lists[0]));
  });

  it("lists again when the version to resume from was compacted (410 Expired)", async () => {
    const log = recordApiRequests(sim);
    const since = log.mark();
    const { lists, counting } = countingReader();
    const expire = sim.apiServer.faults.add({ resource: "pods", verb: "watch", expireWatch: true, times: 1 });
    let oldUid = "";
    setTimeout(() => {
      oldUid = replaceCalicoOnWorker1();
    }, 500);
    try {
      await createPodWatcher(cluster.kubeConfig, counting).waitForPods({
        query: calicoOnWorker1,
        satisfied: (ps) => oldUid !== "" && ps.some((p) => p.metadata?.uid !== oldUid && isPodReady(p)),
        timeoutMs: 20_000,
        description: "calico-node on k8s-worker1 to be replaced",
      });
    } finally {
      expire();
    }
    expect(lists).toHaveLength(2);
    const watches = log.requests.slice(since).filter((r) => r.verb === "watch");
    expect(watches[0]?.resourceVersion).toBe(lists[0]);
    expect(watches[1]?.resourceVersion).toBe(lists[1]);
  });

  // kube-apiserver bookmarks an idle watch once a minute; client-node abandons a watch silent for 30 s. Against the
  // real cadence, a wait longer than 30 s sees its watch end quietly and must carry on from where it was.
  it("outlasts client-node's 30 s inactivity timeout at the real bookmark cadence, resuming instead of listing", async () => {
    const log = recordApiRequests(sim);
    const since = log.mark();
    const { lists, counting } = countingReader();
    let oldUid = "";
    const timer = setTimeout(() => {
      oldUid = replaceCalicoOnWorker1();
    }, 33_000);
    try {
      await createPodWatcher(cluster.kubeConfig, counting).waitForPods({
        query: calicoOnWorker1,
        satisfied: (ps) => oldUid !== "" && ps.some((p) => p.metadata?.uid !== oldUid && isPodReady(p)),
        timeoutMs: 55_000,
        description: "calico-node on k8s-worker1 to be replaced",
      });
    } finally {
      clearTimeout(timer);
    }
    expect(lists).toHaveLength(1);
    const watches = log.requests.slice(since).filter((r) => r.verb === "watch");
    expect(watches).toHaveLength(2);
    expect(watches[1]?.resourceVersion).toBe(lists[0]);
  }, 70_000);

  it("reports a refused watch as forbidden instead of retrying it", async () => {
    const remove = sim.apiServer.faults.add({ resource: "pods", verb: "watch", status: 403 });
    try {
      const error = await createPodWatcher(cluster.kubeConfig, reader)
        .waitForPods({
          query: calicoOnWorker1,
          satisfied: () => false,
          timeoutMs: 20_000,
          description: "something that never happens",
        })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(KubeAccessError);
      expect((error as KubeAccessError).failure).toBe("forbidden");
      expect(sim.apiServer.requestCount()).toBeGreaterThan(0);
    } finally {
      remove();
    }
  });

  it("times out with a message naming what it waited for", async () => {
    const error = await createPodWatcher(cluster.kubeConfig, reader)
      .waitForPods({
        query: calicoOnWorker1,
        satisfied: () => false,
        timeoutMs: 300,
        description: "a pod that never comes",
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KubeAccessError);
    expect((error as KubeAccessError).failure).toBe("timeout");
    expect((error as Error).message).toContain("a pod that never comes");
  });
});
