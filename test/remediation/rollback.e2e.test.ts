/**
 * agent-wont-start: worker1 heals, worker2's replacement calico-node never becomes Ready, so worker2's moved files are
 * restored byte for byte and the run stops, saying why. A bare pod stuck on worker1 is listed but left untouched.
 */
import { join } from "node:path";
import { CoreV1Api } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadCluster } from "../../src/kube/cluster-config.ts";
import {
  alice,
  bob,
  collectEvents,
  type Harness,
  snapshotTree,
  startHarness,
} from "../support/sim-harness.ts";

const CONF = "etc/cni/net.d";

describe("agent-wont-start rolls back", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness("agent-wont-start");
  }, 30_000);
  afterAll(async () => h?.stop());

  it("heals k8s-worker1, restores k8s-worker2 byte for byte, stops and says why; the bare pod is untouched", async () => {
    const core = loadCluster({ kubeconfigPath: h.kubeconfigPath }).kubeConfig.makeApiClient(CoreV1Api);
    const bare = await core.createNamespacedPod({
      namespace: "default",
      body: {
        metadata: { name: "debug-shell", labels: { app: "debug" } },
        spec: { nodeName: "k8s-worker1", containers: [{ name: "sh", image: "busybox:1.36" }] },
      },
    });
    const diagnosis = await h.diagnoseUntil((d) => {
      const stale = d.findings.filter((f) => f.rootCause === "stale-cni-config");
      const pods = stale.flatMap((f) => f.pods.map((p) => p.name));
      return stale.flatMap((f) => f.nodes).length === 2 && pods.includes("debug-shell");
    });
    const before = {
      worker1: snapshotTree(join(h.sim.nodeRoot("k8s-worker1"), CONF)),
      worker2: snapshotTree(join(h.sim.nodeRoot("k8s-worker2"), CONF)),
    };
    const service = await h.service();
    const { run, plan } = await service.propose(diagnosis, { requestedBy: alice });
    expect(plan.excludedPods).toEqual([
      expect.objectContaining({
        pod: "default/debug-shell",
        node: "k8s-worker1",
        reason: expect.stringMatching(/bare pod/),
      }),
    ]);
    expect(plan.blastRadius.pods).not.toContain("default/debug-shell");
    await service.approve(run.id, bob);
    const progress = collectEvents();
    const result = await service.execute(run.id, progress);

    expect(result.status).toBe("rolled-back");
    if (result.status !== "rolled-back") return;
    expect(result.message).toMatch(
      /restart-cni-agent on k8s-worker2 failed: calico-node on k8s-worker2 did not come back Ready in time/,
    );
    expect(result.message).toMatch(/ImagePull|ErrImagePull|Init/);
    expect(result.message).toMatch(/Restored 10-calico.conflist, calico-kubeconfig .* byte-identical/);
    // worker1 was healed: fresh files, a token the API server accepts.
    const w1 = result.steps.find((s) => s.kind === "restart-cni-agent" && s.node === "k8s-worker1");
    expect(w1?.status).toBe("ok");
    expect(w1?.output.join("\n")).toMatch(/which the API server accepts/);
    expect(snapshotTree(join(h.sim.nodeRoot("k8s-worker1"), CONF))["/calico-kubeconfig"]).not.toBe(
      before.worker1["/calico-kubeconfig"],
    );
    // worker2 is exactly as it was.
    expect(result.rollbacks).toEqual([
      expect.objectContaining({
        node: "k8s-worker2",
        ok: true,
        restored: ["10-calico.conflist", "calico-kubeconfig"],
      }),
    ]);
    expect(snapshotTree(join(h.sim.nodeRoot("k8s-worker2"), CONF))).toEqual(before.worker2);
    // The run ended there, but worker1 was healed: its stuck pods were recycled before the run ended; worker2's are
    // still stuck, and the summary lists them with the command; no verification.
    const recycled = result.steps.filter((s) => s.kind === "recycle-pods");
    expect(recycled.map((s) => s.node)).toEqual(["k8s-worker1"]);
    expect(result.message).toContain("Recycled the stuck pods of the healed k8s-worker1.");
    expect(result.steps.some((s) => s.kind === "verify")).toBe(false);
    const stuckOn2 =
      plan.steps.find((s) => s.kind === "recycle-pods" && s.node === "k8s-worker2")?.pods ?? [];
    expect(stuckOn2.length).toBeGreaterThan(0);
    expect(result.stillStuck?.map((p) => [p.pod, p.node])).toEqual(stuckOn2.map((p) => [p, "k8s-worker2"]));
    const [ns, name] = (stuckOn2[0] as string).split("/");
    expect(result.message).toContain(
      `Still stuck: ${stuckOn2[0]} on k8s-worker2 (kubectl delete pod -n ${ns} ${name} once k8s-worker2 is fixed: cni-doctor fix --node k8s-worker2)`,
    );
    expect(progress.events.filter((e) => e.type === "rolled-back")).toHaveLength(1);
    expect((await service.recentRuns())[0]).toMatchObject({ id: run.id, state: "rolled-back" });
    // The bare pod is the same pod as before.
    const still = await core.readNamespacedPod({ namespace: "default", name: "debug-shell" });
    expect(still.metadata?.uid).toBe(bare.metadata?.uid);
    expect(still.metadata?.deletionTimestamp).toBeUndefined();
  }, 60_000);
});
