/**
 * The simulated kubelet's handling of the pods cni-doctor's node agents are: pinned by nodeName, on the host network
 * (so they start on a node whose CNI is broken), bounded by activeDeadlineSeconds, and stuck on an image the node
 * cannot pull. Texts from kubernetes pkg/kubelet/active_deadline.go and images/puller.go.
 */
import type * as k8s from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, sandboxEvents, startHarness, waitFor } from "./scenarios-support.ts";

const NS = "default";

function hostNetworkPod(
  name: string,
  node: string,
  extra: Partial<k8s.V1PodSpec> = {},
  image = "cni-doctor:1",
) {
  return {
    metadata: { name, namespace: NS },
    spec: { nodeName: node, hostNetwork: true, containers: [{ name: "agent", image }], ...extra },
  };
}

describe("kubelet: node agent pods", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness("stale-cni-config", 100);
  });
  afterAll(async () => h?.stop());

  const phaseOf = async (name: string) => (await h.core.readNamespacedPod({ namespace: NS, name })).status;

  it("fails a pod past its activeDeadlineSeconds with DeadlineExceeded and says so in an event", async () => {
    await h.core.createNamespacedPod({
      namespace: NS,
      body: hostNetworkPod("deadline", "k8s-worker1", { activeDeadlineSeconds: 1 }),
    });
    await waitFor("the pod to run", async () =>
      (await phaseOf("deadline"))?.phase === "Running" ? true : undefined,
    );
    const failed = await waitFor("the deadline", async () => {
      const status = await phaseOf("deadline");
      return status?.phase === "Failed" ? status : undefined;
    });
    expect(failed.reason).toBe("DeadlineExceeded");
    expect(failed.message).toBe("Pod was active on the node longer than the specified deadline");
    expect(failed.containerStatuses?.[0]?.state?.terminated?.exitCode).toBe(137);
    const pod = await h.core.readNamespacedPod({ namespace: NS, name: "deadline" });
    const events = await sandboxEvents(h, pod as never, "DeadlineExceeded");
    expect(events[0]?.message).toBe("Pod was active on the node longer than the specified deadline");
  });

  it("keeps a pod whose image cannot be pulled Pending on ErrImagePull then ImagePullBackOff, with the events", async () => {
    const image = "registry.example.com/cni-doctor:missing";
    h.sim.cluster.setImagePullable(image, false, ["k8s-worker2"]);
    await h.core.createNamespacedPod({
      namespace: NS,
      body: hostNetworkPod("unpullable", "k8s-worker2", {}, image),
    });
    const seen = new Set<string>();
    await waitFor("both waiting reasons", async () => {
      const reason = (await phaseOf("unpullable"))?.containerStatuses?.[0]?.state?.waiting?.reason;
      if (reason) seen.add(reason);
      return seen.has("ErrImagePull") && seen.has("ImagePullBackOff") ? true : undefined;
    });
    const status = await phaseOf("unpullable");
    expect(status?.phase).toBe("Pending");
    const pod = await h.core.readNamespacedPod({ namespace: NS, name: "unpullable" });
    const failed = await sandboxEvents(h, pod as never, "Failed");
    expect(failed.map((e) => e.message)).toContain(
      `Failed to pull image "${image}": failed to pull and unpack image "${image}": failed to resolve reference "${image}": failed to do request: Head "https://registry.example.com/v2/cni-doctor/manifests/missing": dial tcp: lookup registry.example.com on 127.0.0.53:53: server misbehaving`,
    );
    expect(failed.map((e) => e.message)).toContain("Error: ImagePullBackOff");

    // Once the registry is reachable again, the next retry starts the pod.
    h.sim.cluster.setImagePullable(image, true);
    await waitFor("the pod to run", async () =>
      (await phaseOf("unpullable"))?.phase === "Running" ? true : undefined,
    );
  });

  it("starts the same image on a node that can pull it", async () => {
    const image = "registry.example.com/cni-doctor:only-worker2-blocked";
    h.sim.cluster.setImagePullable(image, false, ["k8s-worker2"]);
    await h.core.createNamespacedPod({
      namespace: NS,
      body: hostNetworkPod("pullable", "k8s-worker1", {}, image),
    });
    await waitFor("the pod to run", async () =>
      (await phaseOf("pullable"))?.phase === "Running" ? true : undefined,
    );
  });
});
