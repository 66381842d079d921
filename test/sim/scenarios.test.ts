import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  calicoNodeOn,
  type Harness,
  isReady,
  podsOn,
  sandboxEvents,
  startHarness,
  tokenClaims,
  UNAUTHORIZED,
  waitFor,
} from "./scenarios-support.ts";

let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

const confFile = (harness: Harness, node: string, name: string) =>
  join(harness.sim.nodeRoot(node), "etc/cni/net.d", name);

async function redisOn(harness: Harness, node: string) {
  const pods = await podsOn(harness, "default", node, "app=redis");
  return pods.find((p) => !p.metadata?.deletionTimestamp);
}

async function redisEndpoints(harness: Harness) {
  const ep = await harness.core.readNamespacedEndpoints({ namespace: "default", name: "redis-master" });
  return (ep.subsets ?? []).flatMap((s) => s.addresses ?? []);
}

/** Deletes the calico-node pod on `node` and waits for its replacement (new name, same node). */
async function restartCalicoNode(harness: Harness, node: string, namespace = "calico-system") {
  const old = await calicoNodeOn(harness, node, namespace);
  if (!old?.metadata?.name) throw new Error(`no calico-node on ${node}`);
  await harness.core.deleteNamespacedPod({ namespace, name: old.metadata.name });
  const replacement = await waitFor(`a replacement calico-node on ${node}`, async () => {
    const pod = await calicoNodeOn(harness, node, namespace);
    return pod && pod.metadata?.name !== old.metadata?.name ? pod : undefined;
  });
  return { old, replacement };
}

describe("healthy", () => {
  it("runs everything, with endpoints listing the redis pods and Calico's files fresh on every node", async () => {
    h = await startHarness("healthy");
    const pods = await h.core.listPodForAllNamespaces();
    expect(pods.items.length).toBeGreaterThan(10);
    for (const pod of pods.items) expect(pod.status?.phase, pod.metadata?.name).toBe("Running");
    const addresses = await waitFor("redis endpoints", async () => {
      const a = await redisEndpoints(h as Harness);
      return a.length === 2 ? a : undefined;
    });
    expect(addresses.map((a) => a.nodeName).sort()).toEqual(["k8s-worker1", "k8s-worker2"]);
    expect(addresses.every((a) => a.targetRef?.kind === "Pod" && /^192\.168\.[12]\./.test(a.ip))).toBe(true);
    for (const node of ["k8s-master", "k8s-worker1", "k8s-worker2"]) {
      const kubeconfig = readFileSync(confFile(h, node, "calico-kubeconfig"), "utf8");
      expect(
        kubeconfig.startsWith("# Kubeconfig file for Calico CNI plugin. Installed by calico/node.\n"),
      ).toBe(true);
      expect(kubeconfig).toContain("server: https://10.96.0.1:443");
      expect(kubeconfig).toContain(
        `certificate-authority-data: "${Buffer.from(h.sim.caPem).toString("base64")}"`,
      );
      expect(tokenClaims(kubeconfig).sub).toBe("system:serviceaccount:calico-system:calico-cni-plugin");
      const conflist = JSON.parse(readFileSync(confFile(h, node, "10-calico.conflist"), "utf8"));
      expect(conflist.plugins.map((p: { type: string }) => p.type)).toEqual([
        "calico",
        "portmap",
        "bandwidth",
      ]);
      expect(conflist.plugins[0].kubernetes.kubeconfig).toBe("/etc/cni/net.d/calico-kubeconfig");
      expect(readFileSync(join(h.sim.nodeRoot(node), "var/lib/calico/nodename"), "utf8")).toBe(node);
    }
    const nodes = await h.core.listNode();
    const master = nodes.items.find((n) => n.metadata?.name === "k8s-master");
    expect(master?.spec?.taints).toEqual([
      { key: "node-role.kubernetes.io/control-plane", effect: "NoSchedule" },
    ]);
    expect(master?.status?.addresses?.find((a) => a.type === "InternalIP")?.address).toBe("192.168.56.10");
    expect(master?.status?.nodeInfo?.containerRuntimeVersion).toMatch(/^containerd:\/\//);
    for (const ns of (await h.core.listNamespace()).items) {
      const cm = await h.core.readNamespacedConfigMap({
        namespace: ns.metadata?.name ?? "",
        name: "kube-root-ca.crt",
      });
      expect(cm.data?.["ca.crt"]).toBe(h.sim.caPem);
    }
  });

  it("publishes kube-root-ca.crt and a default service account in a namespace created later", async () => {
    h = await startHarness("healthy");
    await h.core.createNamespace({ body: { metadata: { name: "team-a" } } });
    const cm = await waitFor("kube-root-ca.crt in team-a", () =>
      (h as Harness).core.readNamespacedConfigMap({ namespace: "team-a", name: "kube-root-ca.crt" }),
    );
    expect(cm.data?.["ca.crt"]).toBe(h.sim.caPem);
    await waitFor("default SA in team-a", () =>
      (h as Harness).core.readNamespacedServiceAccount({ namespace: "team-a", name: "default" }),
    );
  });
});

describe("stale-cni-config", () => {
  it("reproduces the first incident and heals a worker when its calico-node restarts", async () => {
    h = await startHarness("stale-cni-config");
    const harness = h;
    const nodes = await harness.core.listNode();
    const joined = new Map(
      nodes.items.map((n) => [n.metadata?.name, new Date(n.metadata?.creationTimestamp ?? 0).getTime()]),
    );
    for (const node of ["k8s-worker1", "k8s-worker2"]) {
      const pod = await redisOn(harness, node);
      expect(pod?.status?.phase).toBe("Pending");
      expect(pod?.status?.containerStatuses?.[0]?.state?.waiting?.reason).toBe("ContainerCreating");
      expect(pod?.status?.podIP).toBeUndefined();
      const events = await sandboxEvents(harness, pod as never);
      expect(events.length).toBeGreaterThan(1);
      for (const e of events) {
        expect(e.message).toMatch(
          /^(\(combined from similar events\): )?Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "[0-9a-f]{64}": /,
        );
        expect(e.message?.endsWith(UNAUTHORIZED)).toBe(true);
        expect(e.source).toEqual({ component: "kubelet", host: node });
        expect(e.involvedObject.uid).toBe(pod?.metadata?.uid);
        expect(e.metadata?.name).toMatch(new RegExp(`^${pod?.metadata?.name}\\.[0-9a-f]{16}$`));
      }
      // The stale files predate the node's (re)join and carry the previous cluster's CA.
      for (const name of ["calico-kubeconfig", "10-calico.conflist"]) {
        expect(statSync(confFile(harness, node, name)).mtimeMs).toBeLessThan(joined.get(node) ?? 0);
      }
      const kubeconfig = readFileSync(confFile(harness, node, "calico-kubeconfig"), "utf8");
      expect(kubeconfig).not.toContain(Buffer.from(harness.sim.caPem).toString("base64"));
      expect(isReady(await calicoNodeOn(harness, node))).toBe(true);
    }
    expect(await redisEndpoints(harness)).toEqual([]);

    // The kubelet keeps retrying: the same combined event's count grows.
    const stuck = (await redisOn(harness, "k8s-worker1")) as never;
    const combined = async () =>
      (await sandboxEvents(harness, stuck)).find((e) => e.message?.startsWith("(combined"));
    const before = (await combined())?.count ?? 0;
    await waitFor("the combined event's count to grow", async () =>
      ((await combined())?.count ?? 0) > before + 1 ? true : undefined,
    );
    const sandboxChanged = await sandboxEvents(harness, stuck, "SandboxChanged");
    expect(sandboxChanged).toHaveLength(1);
    expect(sandboxChanged[0]?.message).toBe("Pod sandbox changed, it will be killed and re-created.");

    // Restarting calico-node on worker1: install-cni rewrites both files, the stuck pod starts on its next retry.
    const { replacement } = await restartCalicoNode(harness, "k8s-worker1");
    expect(replacement.spec?.nodeName).toBe("k8s-worker1");
    await waitFor("the replacement to be Ready", async () =>
      isReady(await calicoNodeOn(harness, "k8s-worker1")) ? true : undefined,
    );
    const fresh = readFileSync(confFile(harness, "k8s-worker1", "calico-kubeconfig"), "utf8");
    expect(fresh).toContain(Buffer.from(harness.sim.caPem).toString("base64"));
    const healed = await waitFor("redis on worker1 to run", async () => {
      const pod = await redisOn(harness, "k8s-worker1");
      return pod?.status?.phase === "Running" && isReady(pod) ? pod : undefined;
    });
    expect(healed.metadata?.uid).toBe((stuck as { metadata: { uid: string } }).metadata.uid);
    const addresses = await waitFor("endpoints to list the healed pod", async () => {
      const a = await redisEndpoints(harness);
      return a.length === 1 ? a : undefined;
    });
    expect(addresses[0]?.ip).toBe(healed.status?.podIP);
    // worker2 was not touched and is still stuck.
    expect((await redisOn(harness, "k8s-worker2"))?.status?.phase).toBe("Pending");
  });

  it("keeps a deleted stuck pod Terminating with FailedKillPod while the ReplicaSet replaces it", async () => {
    h = await startHarness("stale-cni-config");
    const harness = h;
    const stuck = await redisOn(harness, "k8s-worker2");
    await harness.core.deleteNamespacedPod({ namespace: "default", name: stuck?.metadata?.name ?? "" });
    const killEvent = await waitFor(
      "FailedKillPod",
      async () => (await sandboxEvents(harness, stuck as never, "FailedKillPod"))[0],
    );
    expect(killEvent.message).toMatch(
      new RegExp(
        `^error killing pod: failed to "KillPodSandbox" for "${stuck?.metadata?.uid}" with KillPodSandboxError: "rpc error: code = Unknown desc = failed to destroy network for sandbox \\\\"[0-9a-f]{64}\\\\": plugin type=\\\\"calico\\\\" failed \\(delete\\): error getting ClusterInformation: connection is unauthorized: Unauthorized"$`,
      ),
    );
    const terminating = await harness.core.readNamespacedPod({
      namespace: "default",
      name: stuck?.metadata?.name ?? "",
    });
    expect(terminating.metadata?.deletionTimestamp).toBeDefined();
    const replicas = await waitFor("a replacement redis pod", async () => {
      const pods = await harness.core.listNamespacedPod({ namespace: "default", labelSelector: "app=redis" });
      const live = pods.items.filter((p) => !p.metadata?.deletionTimestamp);
      return live.length === 2 && pods.items.length === 3 ? live : undefined;
    });
    expect(replicas.every((p) => p.metadata?.ownerReferences?.[0]?.kind === "ReplicaSet")).toBe(true);
    // Once worker2's CNI works again, the DEL succeeds and the pod goes.
    await restartCalicoNode(harness, "k8s-worker2");
    await waitFor("the terminating pod to be removed", async () => {
      try {
        await harness.core.readNamespacedPod({ namespace: "default", name: stuck?.metadata?.name ?? "" });
        return undefined;
      } catch (error) {
        return (error as { code?: number }).code === 404 ? true : undefined;
      }
    });
  });
});

describe("expired-token", () => {
  it("has an expired install-cni token on worker2 only; restarting calico-node there heals it", async () => {
    h = await startHarness("expired-token");
    const harness = h;
    expect((await redisOn(harness, "k8s-worker1"))?.status?.phase).toBe("Running");
    const stuck = await redisOn(harness, "k8s-worker2");
    expect(stuck?.status?.phase).toBe("Pending");
    expect((await sandboxEvents(harness, stuck as never))[0]?.message?.endsWith(UNAUTHORIZED)).toBe(true);
    const file = confFile(harness, "k8s-worker2", "calico-kubeconfig");
    const kubeconfig = readFileSync(file, "utf8");
    expect(kubeconfig.split("\n")[0]).toBe("# Kubeconfig file for Calico CNI plugin.");
    // IPv4 without brackets: install-cni joins host and port with net.JoinHostPort
    // (projectcalico/calico cni-plugin/pkg/install/install.go), and the file is root-only.
    expect(kubeconfig).toContain("server: https://10.96.0.1:443\n");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(confFile(harness, "k8s-worker2", "10-calico.conflist")).mode & 0o777).toBe(0o600);
    expect(Number(tokenClaims(kubeconfig).exp) * 1000).toBeLessThan(Date.now());
    expect(Date.now() - statSync(file).mtimeMs).toBeGreaterThan(24 * 3600_000);
    expect(isReady(await calicoNodeOn(harness, "k8s-worker2"))).toBe(true);
    // The stalled refresher does not rewrite the file by itself. The proof that it had its chance: worker1's running
    // refresher, on the same interval, has rewritten worker1's file in the meantime.
    const worker1File = confFile(harness, "k8s-worker1", "calico-kubeconfig");
    const worker1Before = readFileSync(worker1File, "utf8");
    await waitFor(
      "worker1's refresher to rewrite its kubeconfig",
      async () => (readFileSync(worker1File, "utf8") !== worker1Before ? true : undefined),
      30_000,
    );
    expect(readFileSync(file, "utf8")).toBe(kubeconfig);

    await restartCalicoNode(harness, "k8s-worker2");
    await waitFor("redis on worker2 to run", async () =>
      (await redisOn(harness, "k8s-worker2"))?.status?.phase === "Running" ? true : undefined,
    );
    expect(Number(tokenClaims(readFileSync(file, "utf8")).exp) * 1000).toBeGreaterThan(
      Date.now() + 23 * 3600_000,
    );
    await waitFor("both endpoints", async () =>
      (await redisEndpoints(harness)).length === 2 ? true : undefined,
    );
  });
});

describe("calico-node-down", () => {
  it("crash-loops calico-node on worker1, fails pods there with the nodename error, and a restart does not help", async () => {
    h = await startHarness("calico-node-down");
    const harness = h;
    const agent = await calicoNodeOn(harness, "k8s-worker1");
    const status = agent?.status?.containerStatuses?.[0];
    expect(status?.state?.waiting?.reason).toBe("CrashLoopBackOff");
    expect(status?.restartCount).toBeGreaterThan(30);
    expect(status?.lastState?.terminated).toMatchObject({ exitCode: 1, reason: "Error" });
    expect(isReady(agent)).toBe(false);
    const stuck = await redisOn(harness, "k8s-worker1");
    expect((await sandboxEvents(harness, stuck as never))[0]?.message).toContain(
      'plugin type="calico" failed (add): stat /var/lib/calico/nodename: no such file or directory: check that the calico/node container is running and has mounted /var/lib/calico/',
    );
    expect((await redisOn(harness, "k8s-worker2"))?.status?.phase).toBe("Running");
    const restarts = status?.restartCount ?? 0;
    await waitFor("restartCount to grow", async () =>
      ((await calicoNodeOn(harness, "k8s-worker1"))?.status?.containerStatuses?.[0]?.restartCount ?? 0) >
      restarts
        ? true
        : undefined,
    );
    const { replacement } = await restartCalicoNode(harness, "k8s-worker1");
    await waitFor("the replacement to crash-loop too", async () => {
      const pod = await harness.core.readNamespacedPod({
        namespace: "calico-system",
        name: replacement.metadata?.name ?? "",
      });
      return pod.status?.containerStatuses?.[0]?.state?.waiting?.reason === "CrashLoopBackOff"
        ? true
        : undefined;
    });
    expect((await redisOn(harness, "k8s-worker1"))?.status?.phase).toBe("Pending");
  });
});

describe("shadowing-config", () => {
  it("fails pods on worker1 with Cilium's error, and restarting calico-node does not heal it", async () => {
    h = await startHarness("shadowing-config");
    const harness = h;
    const stuck = await redisOn(harness, "k8s-worker1");
    const message = (await sandboxEvents(harness, stuck as never))[0]?.message ?? "";
    expect(message).toContain(
      'plugin type="cilium-cni" failed (add): unable to connect to Cilium daemon: failed to create cilium agent client after 30.000000 seconds timeout: Get "http:///var/run/cilium/cilium.sock/v1/config": dial unix /var/run/cilium/cilium.sock: connect: no such file or directory\nIs the agent running?',
    );
    expect(isReady(await calicoNodeOn(harness, "k8s-worker1"))).toBe(true);
    const { replacement } = await restartCalicoNode(harness, "k8s-worker1");
    await waitFor("the replacement to be Ready", async () =>
      isReady(await calicoNodeOn(harness, "k8s-worker1")) ? true : undefined,
    );
    expect(replacement.metadata?.name).toBeDefined();
    const count = async () =>
      (await sandboxEvents(harness, stuck as never)).reduce((n, e) => n + (e.count ?? 0), 0);
    const before = await count();
    await waitFor("further failed retries after the restart", async () =>
      (await count()) > before + 1 ? true : undefined,
    );
    expect((await redisOn(harness, "k8s-worker1"))?.status?.phase).toBe("Pending");
    expect(readFileSync(confFile(harness, "k8s-worker1", "05-cilium.conflist"), "utf8")).toContain(
      "cilium-cni",
    );
  });
});

describe("manifest-install", () => {
  it("runs Calico v3.25 in kube-system with the calico-node service account's token, and heals on restart", async () => {
    h = await startHarness("manifest-install");
    const harness = h;
    expect((await harness.core.listNamespace()).items.map((n) => n.metadata?.name)).not.toContain(
      "calico-system",
    );
    expect(await calicoNodeOn(harness, "k8s-worker1", "kube-system")).toBeDefined();
    const stuck = await redisOn(harness, "k8s-worker1");
    expect((await sandboxEvents(harness, stuck as never))[0]?.message?.endsWith(UNAUTHORIZED)).toBe(true);
    await restartCalicoNode(harness, "k8s-worker1", "kube-system");
    await waitFor("redis on worker1 to run", async () =>
      (await redisOn(harness, "k8s-worker1"))?.status?.phase === "Running" ? true : undefined,
    );
    const claims = tokenClaims(readFileSync(confFile(harness, "k8s-worker1", "calico-kubeconfig"), "utf8"));
    expect(claims.sub).toBe("system:serviceaccount:kube-system:calico-node");
  });
});

describe("agent-wont-start", () => {
  it("leaves a replacement calico-node on worker2 unable to pull its image, never Ready, the node still broken", async () => {
    h = await startHarness("agent-wont-start");
    const harness = h;
    const { replacement } = await restartCalicoNode(harness, "k8s-worker2");
    const pulling = await waitFor("ErrImagePull or ImagePullBackOff", async () => {
      const pod = await harness.core.readNamespacedPod({
        namespace: "calico-system",
        name: replacement.metadata?.name ?? "",
      });
      const reason = pod.status?.initContainerStatuses?.[0]?.state?.waiting?.reason;
      return reason === "ErrImagePull" || reason === "ImagePullBackOff" ? pod : undefined;
    });
    expect(pulling.status?.phase).toBe("Pending");
    expect(isReady(pulling)).toBe(false);
    const failed = await harness.core.listNamespacedEvent({
      namespace: "calico-system",
      fieldSelector: `involvedObject.name=${replacement.metadata?.name},reason=Failed`,
    });
    expect(
      failed.items.some((e) =>
        e.message?.startsWith('Failed to pull image "docker.io/calico/pod2daemon-flexvol:v3.27.2"'),
      ),
    ).toBe(true);
    // The proof the kubelet had its chance to start it: it has retried the pull since (the event's count grew).
    const pullFailures = async () =>
      (
        await harness.core.listNamespacedEvent({
          namespace: "calico-system",
          fieldSelector: `involvedObject.name=${replacement.metadata?.name},reason=Failed`,
        })
      ).items.reduce((n, e) => n + (e.count ?? 1), 0);
    const seen = await pullFailures();
    await waitFor("the kubelet to retry the image pull", async () =>
      (await pullFailures()) > seen ? true : undefined,
    );
    expect(isReady(await calicoNodeOn(harness, "k8s-worker2"))).toBe(false);
    expect((await redisOn(harness, "k8s-worker2"))?.status?.phase).toBe("Pending");
    // worker1 still heals normally.
    await restartCalicoNode(harness, "k8s-worker1");
    await waitFor("redis on worker1 to run", async () =>
      (await redisOn(harness, "k8s-worker1"))?.status?.phase === "Running" ? true : undefined,
    );
  });
});

describe("large", () => {
  it("generates a parameterised cluster with the affected fraction's pods stuck", async () => {
    h = await startHarness("large:nodes=41,pods=1200,affected=0.1", 1000);
    const harness = h;
    const nodes = await harness.core.listNode();
    expect(nodes.items).toHaveLength(41);
    const pending = await harness.core.listPodForAllNamespaces({ fieldSelector: "status.phase=Pending" });
    const affectedNodes = new Set(pending.items.map((p) => p.spec?.nodeName));
    expect(affectedNodes.size).toBe(4);
    expect(pending.items.length).toBeGreaterThan(100);
    const events = await harness.core.listEventForAllNamespaces({
      fieldSelector: "reason=FailedCreatePodSandBox",
    });
    expect(events.items.length).toBe(pending.items.length * 10);
  });
});
