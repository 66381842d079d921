import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { seedFixtureCluster } from "../support/apiserver-fixtures.ts";
import { ADMIN_TOKEN, type Harness, LIMITED_TOKEN, startHarness } from "../support/apiserver-harness.ts";
import { type RawRequest, rawRequest, rawWatch } from "../support/apiserver-http.ts";

const TABLE_ACCEPT =
  "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json";

describe("simulated API server over raw HTTPS", () => {
  let h: Harness;
  const call = (path: string, opts: RawRequest = {}) =>
    rawRequest(h.server.url, h.caPem, path, { token: ADMIN_TOKEN, ...opts });
  const watch = (path: string, onEvent?: Parameters<typeof rawWatch>[4], accept?: string) =>
    rawWatch(h.server.url, h.caPem, path, ADMIN_TOKEN, onEvent, accept);

  beforeAll(async () => {
    h = await startHarness(seedFixtureCluster, { watchBookmarkIntervalMs: 100 });
  });
  afterEach(() => {
    h.server.faults.clear();
  });
  afterAll(async () => {
    await h?.close();
  });

  describe("authentication and errors", () => {
    it("answers a missing or unknown token with the 401 Status", async () => {
      for (const token of [undefined, "wrong"]) {
        const r = await call("/api/v1/pods", { token });
        expect(r.status).toBe(401);
        expect(r.headers["content-type"]).toBe("application/json");
        expect(r.json()).toEqual({
          kind: "Status",
          apiVersion: "v1",
          metadata: {},
          status: "Failure",
          message: "Unauthorized",
          reason: "Unauthorized",
          code: 401,
        });
      }
    });

    it("serves health and version without credentials", async () => {
      expect((await call("/healthz", { token: undefined })).text).toBe("ok");
      expect((await call("/readyz", { token: undefined })).text).toBe("ok");
      expect((await call("/version", { token: undefined })).json()).toMatchObject({
        major: "1",
        minor: "32",
        gitVersion: "v1.32.4",
      });
    });

    it("names the cluster scope in a 403 for cluster-scoped resources and the name for gets", async () => {
      const nodes = await call("/api/v1/nodes", { token: LIMITED_TOKEN });
      expect(nodes.status).toBe(403);
      expect(nodes.json().message).toBe(
        'nodes is forbidden: User "system:serviceaccount:calico-system:calico-node" cannot list resource "nodes" in API group "" at the cluster scope',
      );
      const ds = await call("/apis/apps/v1/namespaces/calico-system/daemonsets/calico-node", {
        method: "DELETE",
        token: LIMITED_TOKEN,
      });
      expect(ds.json()).toMatchObject({
        code: 403,
        reason: "Forbidden",
        details: { name: "calico-node", group: "apps", kind: "daemonsets" },
        message:
          'daemonsets.apps "calico-node" is forbidden: User "system:serviceaccount:calico-system:calico-node" cannot delete resource "daemonsets" in API group "apps" in the namespace "calico-system"',
      });
    });

    it("answers unknown API paths with the NotFound Status and other paths as the Go mux does", async () => {
      const api = await call("/api/v1/namespaces/default/widgets");
      expect(api.status).toBe(404);
      expect(api.json()).toMatchObject({
        reason: "NotFound",
        message: "the server could not find the requested resource",
        details: {},
      });
      const other = await call("/metrics-nope");
      expect(other.status).toBe(404);
      expect(other.text).toBe("404 page not found\n");
      const openapi = await call("/openapi/v2");
      expect(openapi.status).toBe(404);
    });

    it("refuses verbs a resource does not serve with 405", async () => {
      const r = await call("/apis/authentication.k8s.io/v1/tokenreviews");
      expect(r.status).toBe(405);
      expect(r.json()).toMatchObject({ reason: "MethodNotAllowed" });
    });

    it("rejects unsupported patch types with 415", async () => {
      // A plain JSON body is not a patch type (apiserver installer.go supportedTypes; patch.go answers 415).
      const r = await call("/api/v1/namespaces/default/pods/unscheduled", {
        method: "PATCH",
        contentType: "application/json",
        body: {},
      });
      expect(r.status).toBe(415);
      expect(r.json().reason).toBe("UnsupportedMediaType");
      expect(r.json().message).toBe(
        "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json, application/apply-patch+yaml",
      );
    });
  });

  describe("discovery", () => {
    it("serves /api, /apis and the resource lists kubectl reads", async () => {
      expect((await call("/api")).json()).toMatchObject({ kind: "APIVersions", versions: ["v1"] });
      const groups = (await call("/apis")).json();
      expect(groups.groups.map((g: { name: string }) => g.name).sort()).toEqual([
        "apps",
        "authentication.k8s.io",
        // SelfSubjectAccessReview, for `cni-doctor check`.
        "authorization.k8s.io",
        "coordination.k8s.io",
        "discovery.k8s.io",
        "rbac.authorization.k8s.io",
        "scheduling.k8s.io",
      ]);
      const core = (await call("/api/v1")).json();
      const pods = core.resources.find((r: { name: string }) => r.name === "pods");
      expect(pods).toMatchObject({ namespaced: true, kind: "Pod", shortNames: ["po"], categories: ["all"] });
      expect(core.resources.find((r: { name: string }) => r.name === "serviceaccounts/token")).toMatchObject({
        group: "authentication.k8s.io",
        kind: "TokenRequest",
        verbs: ["create"],
      });
      expect((await call("/apis/apps")).json()).toMatchObject({
        kind: "APIGroup",
        preferredVersion: { groupVersion: "apps/v1" },
      });
      expect((await call("/apis/coordination.k8s.io/v1")).json().resources[0]).toMatchObject({
        name: "leases",
        kind: "Lease",
      });
    });
  });

  describe("tables", () => {
    it("returns a Table with the printer's columns and PartialObjectMetadata rows by default", async () => {
      const r = (await call("/api/v1/namespaces/calico-system/pods", { accept: TABLE_ACCEPT })).json();
      expect(r.kind).toBe("Table");
      expect(r.apiVersion).toBe("meta.k8s.io/v1");
      expect(r.columnDefinitions.map((c: { name: string }) => c.name)).toEqual([
        "Name",
        "Ready",
        "Status",
        "Restarts",
        "Age",
        "IP",
        "Node",
        "Nominated Node",
        "Readiness Gates",
      ]);
      expect(r.rows[0].object).toMatchObject({
        kind: "PartialObjectMetadata",
        metadata: { namespace: "calico-system" },
      });
      const none = (
        await call("/api/v1/namespaces/calico-system/pods?includeObject=None", { accept: TABLE_ACCEPT })
      ).json();
      expect(none.rows[0].object).toBeUndefined();
      const full = (
        await call("/api/v1/nodes/k8s-worker1?includeObject=Object", { accept: TABLE_ACCEPT })
      ).json();
      expect(full.rows).toHaveLength(1);
      expect(full.rows[0].object.kind).toBe("Node");
    });
  });

  describe("watch", () => {
    it("starts with ADDED for the current state, follows selectors (leaving is DELETED) and ends at timeoutSeconds", async () => {
      const w = watch(
        "/api/v1/namespaces/calico-system/pods?watch=1&labelSelector=k8s-app%3Dcalico-node&timeoutSeconds=1",
        (e) => {
          if (w.events.length === 3 && e.type === "ADDED") {
            h.store.mutate("pods", "calico-system", "calico-node-tw7rn", (d) => {
              d.metadata.labels = { ...d.metadata.labels, "k8s-app": "elsewhere" };
            });
            h.store.mutate("pods", "calico-system", "calico-node-tw7rn", (d) => {
              d.metadata.labels = { ...d.metadata.labels, "k8s-app": "calico-node" };
            });
          }
        },
      );
      expect(await w.ended).toBe("ended");
      expect(w.events.map((e) => `${e.type} ${(e.object.metadata as { name: string }).name}`)).toEqual([
        "ADDED calico-node-4xkzp",
        "ADDED calico-node-8vq2m",
        "ADDED calico-node-tw7rn",
        "DELETED calico-node-tw7rn",
        "ADDED calico-node-tw7rn",
      ]);
      // The DELETED event carries the object as it was while it matched, at the change's resourceVersion.
      const gone = w.events[3]?.object as {
        metadata: { labels: Record<string, string>; resourceVersion: string };
      };
      expect(gone.metadata.labels["k8s-app"]).toBe("calico-node");
      const back = w.events[4]?.object as { metadata: { resourceVersion: string } };
      expect(Number(gone.metadata.resourceVersion)).toBe(Number(back.metadata.resourceVersion) - 1);
    });

    it("resumes from a resourceVersion, on the legacy /watch/ path too, and sends bookmarks when allowed", async () => {
      const rv = h.store.resourceVersion;
      h.store.mutate("nodes", undefined, "k8s-worker2", (d) => {
        d.spec.unschedulable = true;
      });
      const w = watch(`/api/v1/watch/nodes?resourceVersion=${rv}&allowWatchBookmarks=true&timeoutSeconds=1`);
      await w.ended;
      expect(w.events[0]).toMatchObject({
        type: "MODIFIED",
        object: { metadata: { name: "k8s-worker2" }, spec: { unschedulable: true } },
      });
      const bookmark = w.events.find((e) => e.type === "BOOKMARK");
      expect(bookmark?.object).toEqual({
        kind: "Node",
        apiVersion: "v1",
        metadata: { resourceVersion: String(h.store.resourceVersion), creationTimestamp: null },
      });
    });

    it("watches one object by name", async () => {
      const w = watch(
        "/api/v1/namespaces/default/pods?watch=true&fieldSelector=metadata.name%3Dunscheduled&timeoutSeconds=1",
      );
      await w.ended;
      expect(w.events.map((e) => e.type)).toEqual(["ADDED"]);
    });

    it("sends one-row Tables to kubectl -w", async () => {
      const w = watch("/api/v1/nodes?watch=1&timeoutSeconds=1", undefined, TABLE_ACCEPT);
      await w.ended;
      expect(w.events).toHaveLength(3);
      const table = w.events[0]?.object as { kind: string; rows: { cells: unknown[] }[] };
      expect(table.kind).toBe("Table");
      expect(table.rows).toHaveLength(1);
      expect(table.rows[0]?.cells.slice(0, 3)).toEqual(["k8s-master", "Ready", "control-plane"]);
    });
  });

  describe("deletion semantics", () => {
    it("honours delete preconditions", async () => {
      const r = await call("/api/v1/namespaces/default/configmaps/kube-root-ca.crt", {
        method: "DELETE",
        body: { kind: "DeleteOptions", apiVersion: "v1", preconditions: { uid: "not-the-uid" } },
      });
      expect(r.status).toBe(409);
      expect(r.json().message).toMatch(
        /^Operation cannot be fulfilled on configmaps "kube-root-ca.crt": Precondition failed: UID in precondition: not-the-uid, UID in object meta: /,
      );
    });

    it("keeps an object with finalizers until the last one is removed", async () => {
      await call("/api/v1/namespaces/default/configmaps", {
        method: "POST",
        body: { metadata: { name: "held", finalizers: ["example.com/hold"] }, data: {} },
      });
      const del = await call("/api/v1/namespaces/default/configmaps/held", { method: "DELETE" });
      expect(del.status).toBe(200);
      expect(del.json().metadata.deletionTimestamp).toBeDefined();
      expect(h.store.get("configmaps", "default", "held")).toBeDefined();
      const patched = await call("/api/v1/namespaces/default/configmaps/held", {
        method: "PATCH",
        contentType: "application/merge-patch+json",
        body: { metadata: { finalizers: null } },
      });
      expect(patched.status).toBe(200);
      expect(h.store.get("configmaps", "default", "held")).toBeUndefined();
    });

    it("answers a plain delete with a Success Status and deletes collections by selector", async () => {
      for (const name of ["a", "b", "c"]) {
        await call("/api/v1/namespaces/default/configmaps", {
          method: "POST",
          body: { metadata: { name, labels: { batch: name === "c" ? "keep" : "drop" } } },
        });
      }
      const one = await call("/api/v1/namespaces/default/configmaps/a", { method: "DELETE" });
      expect(one.json()).toMatchObject({
        kind: "Status",
        status: "Success",
        details: { name: "a", kind: "configmaps" },
      });
      const many = await call("/api/v1/namespaces/default/configmaps?labelSelector=batch%3Ddrop", {
        method: "DELETE",
      });
      expect(many.json().items.map((i: { metadata: { name: string } }) => i.metadata.name)).toEqual(["b"]);
      expect(h.store.get("configmaps", "default", "c")).toBeDefined();
    });

    it("separates the status subresource from the main resource", async () => {
      const pod = (await call("/api/v1/namespaces/default/pods/redis-master-5d8b7c9f4-fghij")).json();
      const viaMain = await call("/api/v1/namespaces/default/pods/redis-master-5d8b7c9f4-fghij", {
        method: "PUT",
        body: { ...pod, status: { phase: "Failed" }, metadata: { ...pod.metadata, labels: { x: "1" } } },
      });
      expect(viaMain.json().status.phase).toBe("Running");
      expect(viaMain.json().metadata.labels).toEqual({ x: "1" });
      const viaStatus = await call("/api/v1/namespaces/default/pods/redis-master-5d8b7c9f4-fghij/status", {
        method: "PATCH",
        contentType: "application/merge-patch+json",
        body: { status: { phase: "Failed" }, metadata: { labels: { y: "2" } } },
      });
      expect(viaStatus.json().status.phase).toBe("Failed");
      expect(viaStatus.json().metadata.labels).toEqual({ x: "1" });
    });
  });

  describe("fault injection and counters", () => {
    it("fails a matching request a given number of times, then serves normally", async () => {
      h.server.faults.add({ resource: "pods", verb: "list", status: 500, times: 1 });
      const failed = await call("/api/v1/pods");
      expect(failed.status).toBe(500);
      expect(failed.json()).toMatchObject({ kind: "Status", reason: "InternalError", code: 500 });
      expect((await call("/api/v1/pods")).status).toBe(200);
      expect(h.server.faults.size).toBe(0);
    });

    it("forces 410 on continue tokens and drops watches", async () => {
      h.server.faults.add({ expireContinue: true, times: 1 });
      const first = (await call("/api/v1/pods?limit=1")).json();
      const expired = await call(`/api/v1/pods?limit=1&continue=${first.metadata.continue}`);
      expect(expired.status).toBe(410);
      expect(expired.json().metadata.continue).toBeTruthy();
      h.server.faults.add({ verb: "watch", dropWatchAfterMs: 50 });
      const w = watch("/api/v1/pods?watch=1&timeoutSeconds=30");
      expect(await w.ended).toBe("dropped");
    });

    it("counts requests and bytes sent", async () => {
      const requests = h.server.requestCount();
      const bytes = h.server.bytesSent();
      const r = await call("/api/v1/pods");
      expect(h.server.requestCount()).toBe(requests + 1);
      expect(h.server.bytesSent() - bytes).toBe(Buffer.byteLength(r.text));
    });
  });
});
