import {
  ApiException,
  AppsV1Api,
  AuthenticationV1Api,
  CoreV1Api,
  KubeConfig,
  PatchStrategy,
  setHeaderOptions,
  type V1Pod,
  Watch,
} from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedFixtureCluster } from "../support/apiserver-fixtures.ts";
import { ADMIN_TOKEN, type Harness, LIMITED_TOKEN, startHarness } from "../support/apiserver-harness.ts";

/** The Status object an ApiException carries (client-node v2 keeps the body as text). */
function statusOf(e: unknown): {
  code: number;
  reason: string;
  message: string;
  metadata?: { continue?: string };
} {
  expect(e).toBeInstanceOf(ApiException);
  const body = (e as ApiException<unknown>).body;
  return typeof body === "string" ? JSON.parse(body) : (body as never);
}

async function failure(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error("expected the call to fail");
}

function pod(name: string, labels: Record<string, string> = {}, nodeName?: string): V1Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, labels },
    spec: { ...(nodeName ? { nodeName } : {}), containers: [{ name: "c", image: "busybox" }] },
  };
}

describe("@kubernetes/client-node v2 against the simulated API server", () => {
  let h: Harness;
  let kc: KubeConfig;
  let core: CoreV1Api;

  async function configFor(token: string): Promise<KubeConfig> {
    const config = new KubeConfig();
    config.loadFromFile(await h.kubeconfig(token));
    return config;
  }

  beforeAll(async () => {
    // A short change history, so "too old" resourceVersions and continue tokens are easy to reach.
    h = await startHarness(seedFixtureCluster, {}, { historyLimit: 50 });
    kc = await configFor(ADMIN_TOKEN);
    core = kc.makeApiClient(CoreV1Api);
  });
  afterAll(async () => {
    await h?.close();
  });

  it("pages through every pod with limit/continue and remainingItemCount", async () => {
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    const remaining: (number | undefined)[] = [];
    do {
      const page = await core.listPodForAllNamespaces({ limit: 2, ...(token ? { _continue: token } : {}) });
      pages++;
      seen.push(...page.items.map((p) => `${p.metadata?.namespace}/${p.metadata?.name}`));
      remaining.push(page.metadata?.remainingItemCount);
      expect(page.metadata?.resourceVersion).toMatch(/^\d+$/);
      token = page.metadata?._continue;
    } while (token);
    const all = (await core.listPodForAllNamespaces({})).items.map(
      (p) => `${p.metadata?.namespace}/${p.metadata?.name}`,
    );
    expect(seen).toEqual(all);
    expect(all).toHaveLength(6);
    expect(pages).toBe(3);
    expect(remaining).toEqual([4, 2, undefined]);
  });

  it("filters by label and field selectors", async () => {
    const calico = await core.listNamespacedPod({
      namespace: "calico-system",
      labelSelector: "k8s-app in (calico-node),!missing",
    });
    expect(calico.items).toHaveLength(3);
    const onWorker1 = await core.listPodForAllNamespaces({
      fieldSelector: "spec.nodeName=k8s-worker1,status.phase!=Running",
    });
    expect(onWorker1.items.map((p) => p.metadata?.name)).toEqual(["redis-master-5d8b7c9f4-abcde"]);
    const events = await core.listEventForAllNamespaces({
      fieldSelector: "involvedObject.kind=Pod,reason=FailedCreatePodSandBox,type=Warning,source=kubelet",
    });
    expect(events.items.map((e) => e.count)).toEqual([42]);
    const bad = statusOf(
      await failure(core.listNamespacedPod({ namespace: "default", fieldSelector: "spec.containers=x" })),
    );
    expect(bad).toMatchObject({
      code: 400,
      reason: "BadRequest",
      message: "field label not supported: spec.containers",
    });
  });

  it("reads objects and answers 404 NotFound with the real message", async () => {
    const node = await core.readNode({ name: "k8s-worker1" });
    expect(node.status?.addresses?.[0]).toEqual({ type: "InternalIP", address: "192.168.56.11" });
    const ds = await kc
      .makeApiClient(AppsV1Api)
      .readNamespacedDaemonSet({ namespace: "calico-system", name: "calico-node" });
    expect(ds.status?.numberReady).toBe(3);
    const e = await failure(core.readNamespacedPod({ namespace: "default", name: "missing" }));
    expect((e as ApiException<unknown>).code).toBe(404);
    expect(statusOf(e)).toMatchObject({
      kind: "Status",
      status: "Failure",
      reason: "NotFound",
      message: 'pods "missing" not found',
    });
    const missingDs = await failure(
      kc.makeApiClient(AppsV1Api).readNamespacedDaemonSet({ namespace: "default", name: "x" }),
    );
    expect(statusOf(missingDs).message).toBe('daemonsets.apps "x" not found');
  });

  it("creates with generateName, refuses duplicates (409 AlreadyExists) and bad names (422 Invalid)", async () => {
    const created = await core.createNamespacedPod({
      namespace: "default",
      body: { ...pod(""), metadata: { generateName: "worker-" } },
    });
    expect(created.metadata?.name).toMatch(/^worker-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    expect(created.status?.phase).toBe("Pending");
    const dup = await failure(
      core.createNamespacedPod({ namespace: "default", body: pod(created.metadata?.name as string) }),
    );
    expect((dup as ApiException<unknown>).code).toBe(409);
    expect(statusOf(dup)).toMatchObject({
      reason: "AlreadyExists",
      message: `pods "${created.metadata?.name}" already exists`,
    });
    const invalid = await failure(core.createNamespacedPod({ namespace: "default", body: pod("Bad_Name") }));
    expect(statusOf(invalid)).toMatchObject({ code: 422, reason: "Invalid" });
    expect(statusOf(invalid).message).toMatch(
      /^Pod "Bad_Name" is invalid: metadata\.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain/,
    );
    const wrongNs = await failure(
      core.createNamespacedPod({
        namespace: "default",
        body: { ...pod("x"), metadata: { name: "x", namespace: "kube-system" } },
      }),
    );
    expect(statusOf(wrongNs)).toMatchObject({
      code: 400,
      message: "the namespace of the provided object does not match the namespace sent on the request",
    });
  });

  it("refuses an update carrying a stale resourceVersion with 409 Conflict", async () => {
    const current = await core.readNamespacedConfigMap({ namespace: "default", name: "kube-root-ca.crt" });
    h.store.mutate("configmaps", "default", "kube-root-ca.crt", (d) => {
      d.metadata.labels = { touched: "yes" };
    });
    const stale = await failure(
      core.replaceNamespacedConfigMap({
        namespace: "default",
        name: "kube-root-ca.crt",
        body: { ...current, data: { x: "1" } },
      }),
    );
    expect(statusOf(stale)).toMatchObject({
      code: 409,
      reason: "Conflict",
      message:
        'Operation cannot be fulfilled on configmaps "kube-root-ca.crt": the object has been modified; please apply your changes to the latest version and try again',
    });
    const fresh = await core.readNamespacedConfigMap({ namespace: "default", name: "kube-root-ca.crt" });
    const replaced = await core.replaceNamespacedConfigMap({
      namespace: "default",
      name: "kube-root-ca.crt",
      body: { ...fresh, data: { x: "1" } },
    });
    expect(Number(replaced.metadata?.resourceVersion)).toBeGreaterThan(
      Number(fresh.metadata?.resourceVersion),
    );
  });

  it("patches with merge, strategic merge and JSON patch", async () => {
    const name = "redis-master-5d8b7c9f4-fghij";
    await core.patchNamespacedPod(
      { namespace: "default", name, body: { metadata: { labels: { patched: "merge" } } } },
      setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
    );
    await core.patchNamespacedPod(
      { namespace: "default", name, body: { spec: { containers: [{ name: "master", image: "redis:7" }] } } },
      setHeaderOptions("Content-Type", PatchStrategy.StrategicMergePatch),
    );
    const patched = await core.patchNamespacedPod(
      { namespace: "default", name, body: [{ op: "add", path: "/metadata/annotations", value: { a: "b" } }] },
      setHeaderOptions("Content-Type", PatchStrategy.JsonPatch),
    );
    expect(patched.metadata?.labels).toMatchObject({ app: "redis", patched: "merge" });
    expect(patched.metadata?.annotations).toEqual({ a: "b" });
    // Strategic merge kept the container's other fields (merged by name) and changed only the image.
    expect(patched.spec?.containers).toEqual([
      { name: "master", image: "redis:7", ports: [{ containerPort: 6379, protocol: "TCP" }] },
    ]);
  });

  it("deletes: an unbound pod goes at once, a bound one is marked with the grace period", async () => {
    await core.createNamespacedPod({ namespace: "default", body: pod("loose") });
    await core.deleteNamespacedPod({ namespace: "default", name: "loose" });
    expect(h.store.get("pods", "default", "loose")).toBeUndefined();

    await core.createNamespacedPod({ namespace: "default", body: pod("bound", {}, "k8s-worker2") });
    const marked = await core.deleteNamespacedPod({
      namespace: "default",
      name: "bound",
      gracePeriodSeconds: 7,
    });
    expect(marked.metadata?.deletionGracePeriodSeconds).toBe(7);
    expect(marked.metadata?.deletionTimestamp).toBeInstanceOf(Date);
    expect(h.store.get("pods", "default", "bound")?.metadata.deletionTimestamp).toBeDefined();
    await core.deleteNamespacedPod({ namespace: "default", name: "bound", gracePeriodSeconds: 0 });
    expect(h.store.get("pods", "default", "bound")).toBeUndefined();
  });

  it("watch from a list's resourceVersion sees ADDED, MODIFIED and DELETED in order", async () => {
    const list = await core.listNamespacedPod({ namespace: "calico-system" });
    const events: string[] = [];
    let resolveDone: (err: unknown) => void = () => {};
    const done = new Promise((resolve) => {
      resolveDone = resolve;
    });
    let sawDelete: () => void = () => {};
    const deleted = new Promise<void>((resolve) => {
      sawDelete = resolve;
    });
    const controller = await new Watch(kc).watch(
      "/api/v1/namespaces/calico-system/pods",
      { resourceVersion: list.metadata?.resourceVersion, labelSelector: "app=watched" },
      (type, obj: V1Pod) => {
        events.push(`${type} ${obj.metadata?.name}`);
        if (type === "DELETED") sawDelete();
      },
      resolveDone,
    );
    await core.createNamespacedPod({ namespace: "calico-system", body: pod("w1", { app: "watched" }) });
    await core.createNamespacedPod({ namespace: "calico-system", body: pod("ignored", { app: "other" }) });
    await core.patchNamespacedPod(
      { namespace: "calico-system", name: "w1", body: { metadata: { labels: { extra: "1" } } } },
      setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
    );
    await core.deleteNamespacedPod({ namespace: "calico-system", name: "w1" });
    await deleted;
    controller.abort();
    await done;
    expect(events).toEqual(["ADDED w1", "MODIFIED w1", "DELETED w1"]);
  });

  it("a watch from a resourceVersion older than the history gets an ERROR event carrying 410 Expired", async () => {
    for (let i = 0; i < 60; i++) {
      h.store.mutate("configmaps", "default", "kube-root-ca.crt", (d) => {
        d.metadata.annotations = { n: String(i) };
      });
    }
    const received: { type: string; obj: { code?: number; reason?: string; message?: string } }[] = [];
    const err = await new Promise((resolve) => {
      new Watch(kc).watch(
        "/api/v1/pods",
        { resourceVersion: "2" },
        (type, obj) => received.push({ type, obj }),
        resolve,
      );
    });
    expect(err).toBeNull();
    expect(received).toHaveLength(1);
    expect(received[0]?.type).toBe("ERROR");
    expect(received[0]?.obj).toMatchObject({ kind: "Status", code: 410, reason: "Expired" });
    expect(received[0]?.obj.message).toMatch(/^too old resource version: 2 \(\d+\)$/);
  });

  it("a continue token older than the history is 410 Expired with the real message and a fresh token", async () => {
    const first = await core.listNamespacedPod({ namespace: "calico-system", limit: 1 });
    for (let i = 0; i < 60; i++) {
      h.store.mutate("configmaps", "default", "kube-root-ca.crt", (d) => {
        d.metadata.annotations = { m: String(i) };
      });
    }
    const e = await failure(
      core.listNamespacedPod({ namespace: "calico-system", limit: 1, _continue: first.metadata?._continue }),
    );
    expect((e as ApiException<unknown>).code).toBe(410);
    const status = statusOf(e);
    expect(status.reason).toBe("Expired");
    expect(status.message).toMatch(
      /^The provided continue parameter is too old to display a consistent list result\./,
    );
    // The fresh token continues after the same key, at the latest version.
    const rest = await core.listNamespacedPod({
      namespace: "calico-system",
      limit: 10,
      _continue: status.metadata?.continue,
    });
    expect(rest.items.map((p) => p.metadata?.name)).not.toContain(first.items[0]?.metadata?.name);
    expect(rest.items.length).toBeGreaterThan(0);
    const garbage = await failure(
      core.listNamespacedPod({ namespace: "calico-system", _continue: "not-a-token!" }),
    );
    expect(statusOf(garbage)).toMatchObject({ code: 400, reason: "BadRequest" });
  });

  it("an unknown token is 401 Unauthorized; a refused request is 403 Forbidden", async () => {
    const anonymous = (await configFor("nobody-knows-me")).makeApiClient(CoreV1Api);
    const unauthorized = await failure(anonymous.listNamespacedPod({ namespace: "default" }));
    // client-node drops the body of a 401 (the raw Status is checked in apiserver-http.test.ts).
    expect(unauthorized).toBeInstanceOf(ApiException);
    expect((unauthorized as ApiException<unknown>).code).toBe(401);
    const limited = (await configFor(LIMITED_TOKEN)).makeApiClient(CoreV1Api);
    const forbidden = await failure(limited.listNamespacedPod({ namespace: "calico-system" }));
    expect(statusOf(forbidden)).toEqual({
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message:
        'pods is forbidden: User "system:serviceaccount:calico-system:calico-node" cannot list resource "pods" in API group "" in the namespace "calico-system"',
      reason: "Forbidden",
      details: { kind: "pods" },
      code: 403,
    });
    // The limited user may still get.
    expect(
      (await limited.readNamespacedPod({ namespace: "calico-system", name: "calico-node-8vq2m" })).metadata
        ?.name,
    ).toBe("calico-node-8vq2m");
  });

  it("serves TokenRequest and TokenReview through the cluster's hooks", async () => {
    const issued = await core.createNamespacedServiceAccountToken({
      namespace: "calico-system",
      name: "calico-node",
      body: { spec: { audiences: [], expirationSeconds: 3600 } },
    });
    expect(issued.status?.token).toBe("token-for-calico-system-calico-node");
    const missing = await failure(
      core.createNamespacedServiceAccountToken({
        namespace: "calico-system",
        name: "nobody",
        body: { spec: { audiences: [] } },
      }),
    );
    expect(statusOf(missing).message).toBe('serviceaccounts "nobody" not found');
    const review = await kc
      .makeApiClient(AuthenticationV1Api)
      .createTokenReview({ body: { spec: { token: ADMIN_TOKEN } } });
    expect(review.status?.authenticated).toBe(true);
  });
});
