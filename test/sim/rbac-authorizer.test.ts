/**
 * The simulated cluster's RBAC authorizer: the pure function against kube-apiserver's documented semantics, then the
 * wiring through the HTTPS API server (403 texts, TokenRequest for a service account, the decision log).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { authorizationName, requestInfoFor } from "../../src/sim/apiserver/request-info.ts";
import { authorizeRbac, type RbacPolicy, type RbacRequest } from "../../src/sim/cluster/rbac.ts";
import {
  type AuthorizationRecord,
  type RunningSimulatedCluster,
  startSimulatedCluster,
} from "../../src/sim/index.ts";
import type { KubeObject } from "../../src/sim/objects.ts";

const SA = "system:serviceaccount:tools:bot";
const SA_GROUPS = ["system:serviceaccounts", "system:serviceaccounts:tools", "system:authenticated"];

function obj(
  kind: string,
  name: string,
  namespace: string | undefined,
  rest: Record<string, unknown>,
): KubeObject {
  return {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind,
    metadata: {
      name,
      ...(namespace ? { namespace } : {}),
      uid: name,
      resourceVersion: "1",
      creationTimestamp: "",
    },
    ...rest,
  };
}
const role = (ns: string, name: string, rules: unknown[]) => obj("Role", name, ns, { rules });
const clusterRole = (name: string, rules: unknown[]) => obj("ClusterRole", name, undefined, { rules });
const binding = (
  kind: "RoleBinding" | "ClusterRoleBinding",
  name: string,
  ns: string | undefined,
  roleRef: { kind: string; name: string },
  subjects: unknown[],
) => obj(kind, name, ns, { roleRef: { apiGroup: "rbac.authorization.k8s.io", ...roleRef }, subjects });

const saSubject = { kind: "ServiceAccount", name: "bot", namespace: "tools" };

function ask(
  policy: Partial<RbacPolicy>,
  request: Omit<RbacRequest, "user">,
  user = { username: SA, groups: SA_GROUPS },
) {
  return authorizeRbac(
    { roles: [], clusterRoles: [], roleBindings: [], clusterRoleBindings: [], ...policy },
    { user, ...request },
  ).allowed;
}

describe("authorizeRbac", () => {
  const readPods = clusterRole("read-pods", [
    { apiGroups: [""], resources: ["pods"], verbs: ["get", "list"] },
  ]);

  it("denies by default and allows system:masters everything", () => {
    expect(ask({}, { verb: "get", group: "", resource: "pods", namespace: "a", name: "p" })).toBe(false);
    expect(
      ask(
        {},
        { verb: "delete", group: "", resource: "nodes", name: "n" },
        { username: "admin", groups: ["system:masters"] },
      ),
    ).toBe(true);
  });

  it("matches verb, API group and resource exactly; * matches any", () => {
    const policy = {
      clusterRoles: [readPods],
      clusterRoleBindings: [
        binding("ClusterRoleBinding", "b", undefined, { kind: "ClusterRole", name: "read-pods" }, [
          saSubject,
        ]),
      ],
    };
    expect(ask(policy, { verb: "list", group: "", resource: "pods" })).toBe(true);
    expect(ask(policy, { verb: "list", group: "", resource: "pods", namespace: "x" })).toBe(true);
    expect(ask(policy, { verb: "watch", group: "", resource: "pods" })).toBe(false);
    expect(ask(policy, { verb: "list", group: "apps", resource: "pods" })).toBe(false);
    expect(ask(policy, { verb: "list", group: "", resource: "services" })).toBe(false);
    const star = {
      ...policy,
      clusterRoles: [clusterRole("read-pods", [{ apiGroups: ["*"], resources: ["*"], verbs: ["*"] }])],
    };
    expect(
      ask(star, { verb: "delete", group: "apps", resource: "daemonsets", namespace: "x", name: "d" }),
    ).toBe(true);
  });

  it("treats subresources as their own resource: pods does not grant pods/status; */status does", () => {
    const policy = (resources: string[]) => ({
      clusterRoles: [clusterRole("r", [{ apiGroups: [""], resources, verbs: ["get"] }])],
      clusterRoleBindings: [
        binding("ClusterRoleBinding", "b", undefined, { kind: "ClusterRole", name: "r" }, [saSubject]),
      ],
    });
    const status = {
      verb: "get",
      group: "",
      resource: "pods",
      subresource: "status",
      namespace: "a",
      name: "p",
    };
    expect(ask(policy(["pods"]), status)).toBe(false);
    expect(ask(policy(["pods/status"]), status)).toBe(true);
    expect(ask(policy(["*/status"]), status)).toBe(true);
    expect(ask(policy(["*/status"]), { ...status, subresource: undefined })).toBe(false);
    expect(ask(policy(["*/log"]), status)).toBe(false);
  });

  it("resourceNames restrict named requests; a list, watch or create carries no name", () => {
    const policy = {
      roles: [
        role("kube-system", "ca", [
          {
            apiGroups: [""],
            resources: ["configmaps"],
            resourceNames: ["kube-root-ca.crt"],
            verbs: ["get", "list", "create"],
          },
        ]),
      ],
      roleBindings: [binding("RoleBinding", "b", "kube-system", { kind: "Role", name: "ca" }, [saSubject])],
    };
    const cm = { group: "", resource: "configmaps", namespace: "kube-system" };
    expect(ask(policy, { ...cm, verb: "get", name: "kube-root-ca.crt" })).toBe(true);
    expect(ask(policy, { ...cm, verb: "get", name: "other" })).toBe(false);
    expect(ask(policy, { ...cm, verb: "list" })).toBe(false);
    expect(ask(policy, { ...cm, verb: "create" })).toBe(false);
    // A metadata.name field selector gives a list the name (authorizationName below).
    expect(ask(policy, { ...cm, verb: "list", name: "kube-root-ca.crt" })).toBe(true);
  });

  it("RoleBindings grant in their namespace only, never cluster-scoped resources; they may name a ClusterRole", () => {
    const policy = {
      clusterRoles: [readPods],
      roleBindings: [
        binding("RoleBinding", "b", "team", { kind: "ClusterRole", name: "read-pods" }, [saSubject]),
      ],
    };
    expect(ask(policy, { verb: "list", group: "", resource: "pods", namespace: "team" })).toBe(true);
    expect(ask(policy, { verb: "list", group: "", resource: "pods", namespace: "other" })).toBe(false);
    expect(ask(policy, { verb: "list", group: "", resource: "pods" })).toBe(false);
    const nodes = {
      roles: [role("team", "n", [{ apiGroups: [""], resources: ["nodes"], verbs: ["get"] }])],
      roleBindings: [binding("RoleBinding", "b", "team", { kind: "Role", name: "n" }, [saSubject])],
    };
    expect(ask(nodes, { verb: "get", group: "", resource: "nodes", name: "n1" })).toBe(false);
  });

  it("a RoleBinding grants get on its own namespace object (the namespace of /api/v1/namespaces/X is X)", () => {
    const policy = {
      roles: [
        role("tools", "ns", [
          { apiGroups: [""], resources: ["namespaces"], resourceNames: ["tools"], verbs: ["get"] },
        ]),
      ],
      roleBindings: [binding("RoleBinding", "b", "tools", { kind: "Role", name: "ns" }, [saSubject])],
    };
    const info = requestInfoFor("GET", "/api/v1/namespaces/tools", new URLSearchParams());
    expect(info).toMatchObject({ namespace: "tools", resource: "namespaces", name: "tools", verb: "get" });
    expect(
      ask(policy, { verb: "get", group: "", resource: "namespaces", namespace: "tools", name: "tools" }),
    ).toBe(true);
    expect(
      ask(policy, { verb: "get", group: "", resource: "namespaces", namespace: "other", name: "other" }),
    ).toBe(false);
  });

  it("matches User, Group and ServiceAccount subjects; an SA subject without namespace takes the RoleBinding's", () => {
    const rules = [{ apiGroups: [""], resources: ["pods"], verbs: ["list"] }];
    const req = { verb: "list", group: "", resource: "pods", namespace: "tools" };
    const withSubject = (subject: unknown) => ({
      roles: [role("tools", "r", rules)],
      roleBindings: [binding("RoleBinding", "b", "tools", { kind: "Role", name: "r" }, [subject])],
    });
    expect(ask(withSubject({ kind: "User", name: SA }), req)).toBe(true);
    expect(ask(withSubject({ kind: "Group", name: "system:serviceaccounts" }), req)).toBe(true);
    expect(ask(withSubject({ kind: "Group", name: "system:serviceaccounts:other" }), req)).toBe(false);
    expect(ask(withSubject({ kind: "ServiceAccount", name: "bot" }), req)).toBe(true);
    expect(ask(withSubject({ kind: "ServiceAccount", name: "bot", namespace: "other" }), req)).toBe(false);
    const crb = {
      clusterRoles: [clusterRole("r", rules)],
      clusterRoleBindings: [
        binding("ClusterRoleBinding", "b", undefined, { kind: "ClusterRole", name: "r" }, [
          { kind: "ServiceAccount", name: "bot" },
        ]),
      ],
    };
    // A ClusterRoleBinding has no namespace to lend: the subject matches nobody.
    expect(ask(crb, req)).toBe(false);
  });

  it("a binding to a missing role grants nothing and says so, as the real denial reason does", () => {
    const decision = authorizeRbac(
      {
        roles: [],
        clusterRoles: [],
        roleBindings: [],
        clusterRoleBindings: [
          binding("ClusterRoleBinding", "b", undefined, { kind: "ClusterRole", name: "gone" }, [saSubject]),
        ],
      },
      { user: { username: SA, groups: SA_GROUPS }, verb: "list", group: "", resource: "pods" },
    );
    expect(decision).toEqual({
      allowed: false,
      reason: 'RBAC: clusterrole.rbac.authorization.k8s.io "gone" not found',
    });
  });

  it("authorizationName: a list or watch pinned by metadata.name carries that name, routing does not", () => {
    const q = new URLSearchParams({ fieldSelector: "metadata.name=kube-root-ca.crt", watch: "1" });
    const info = requestInfoFor("GET", "/api/v1/namespaces/kube-system/configmaps", q);
    expect(info.name).toBeUndefined();
    expect(info.verb).toBe("watch");
    expect(authorizationName(info, q)).toBe("kube-root-ca.crt");
    const other = new URLSearchParams({ fieldSelector: "metadata.name!=x" });
    expect(authorizationName(requestInfoFor("GET", "/api/v1/pods", other), other)).toBeUndefined();
  });
});

describe("startSimulatedCluster({ rbac: true })", () => {
  let sim: RunningSimulatedCluster;
  const records: AuthorizationRecord[] = [];
  beforeAll(async () => {
    sim = await startSimulatedCluster({ scenario: "healthy", port: 0, sshNodes: false, rbac: true });
    sim.onAuthorization((r) => records.push(r));
  });
  afterAll(() => sim?.stop());

  async function call(token: string, path: string, init: { method?: string; body?: unknown } = {}) {
    const { request } = await import("node:https");
    return new Promise<{ status: number; json: Record<string, unknown> }>((resolve, reject) => {
      const payload = init.body === undefined ? undefined : JSON.stringify(init.body);
      const req = request(
        new URL(path, sim.url),
        {
          method: init.method ?? "GET",
          ca: sim.caPem,
          headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        },
        (res) => {
          let text = "";
          res.on("data", (c) => (text += c));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(text || "{}") }));
        },
      );
      req.on("error", reject);
      req.end(payload);
    });
  }

  it("seeds the bootstrap cluster-admin binding; the admin token (system:masters) may do anything", async () => {
    expect(sim.store.get("clusterrolebindings", undefined, "cluster-admin")?.subjects).toEqual([
      { apiGroup: "rbac.authorization.k8s.io", kind: "Group", name: "system:masters" },
    ]);
    expect((await call(sim.adminToken, "/api/v1/nodes")).status).toBe(200);
  });

  it("a service account token from TokenRequest is denied with the real 403 until a binding allows it", async () => {
    await call(sim.adminToken, "/api/v1/namespaces/default/serviceaccounts", {
      method: "POST",
      body: { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "bot" } },
    });
    const token = await sim.requestServiceAccountToken("default", "bot");
    const denied = await call(token, "/api/v1/namespaces/kube-system/pods");
    expect(denied.status).toBe(403);
    expect(denied.json.message).toBe(
      'pods is forbidden: User "system:serviceaccount:default:bot" cannot list resource "pods" in API group "" in the namespace "kube-system"',
    );
    expect(records.at(-1)).toMatchObject({
      allowed: false,
      attributes: {
        verb: "list",
        resource: "pods",
        namespace: "kube-system",
        user: { username: "system:serviceaccount:default:bot" },
      },
    });

    await call(sim.adminToken, "/apis/rbac.authorization.k8s.io/v1/namespaces/kube-system/roles", {
      method: "POST",
      body: {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "Role",
        metadata: { name: "pods" },
        rules: [{ apiGroups: [""], resources: ["pods"], verbs: ["list"] }],
      },
    });
    const created = await call(
      sim.adminToken,
      "/apis/rbac.authorization.k8s.io/v1/namespaces/kube-system/rolebindings",
      {
        method: "POST",
        body: {
          apiVersion: "rbac.authorization.k8s.io/v1",
          kind: "RoleBinding",
          metadata: { name: "bot-pods" },
          roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "pods" },
          subjects: [{ kind: "ServiceAccount", name: "bot", namespace: "default" }],
        },
      },
    );
    expect(created.status).toBe(201);
    expect((await call(token, "/api/v1/namespaces/kube-system/pods")).status).toBe(200);
    expect(records.at(-1)).toMatchObject({
      allowed: true,
      reason: 'RoleBinding "kube-system/bot-pods" of Role "pods"',
    });
    expect((await call(token, "/api/v1/pods")).status).toBe(403);
  });

  it("names a missing role in the 403, as the real RBAC authorizer's reason", async () => {
    await call(sim.adminToken, "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings", {
      method: "POST",
      body: {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "ClusterRoleBinding",
        metadata: { name: "bot-missing" },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "not-there" },
        subjects: [{ kind: "ServiceAccount", name: "bot", namespace: "default" }],
      },
    });
    const token = await sim.requestServiceAccountToken("default", "bot");
    const denied = await call(token, "/api/v1/nodes/x");
    expect(denied.json.message).toBe(
      'nodes "x" is forbidden: User "system:serviceaccount:default:bot" cannot get resource "nodes" in API group "" at the cluster scope: RBAC: clusterrole.rbac.authorization.k8s.io "not-there" not found',
    );
  });
});
