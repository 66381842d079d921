import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClusterIdentity } from "../../src/sim/cluster/identity.ts";
import { signServiceAccountToken } from "../../src/sim/cluster/token-authority.ts";
import { type Harness, startHarness } from "./scenarios-support.ts";

describe("token authority through the API (TokenRequest, TokenReview, bearer auth)", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness("healthy");
  });
  afterAll(async () => h?.stop());

  async function review(token: string, audiences?: string[]) {
    const res = await h.auth.createTokenReview({
      body: {
        apiVersion: "authentication.k8s.io/v1",
        kind: "TokenReview",
        spec: { token, ...(audiences ? { audiences } : {}) },
      },
    });
    return res.status ?? {};
  }

  async function saUid(namespace: string, name: string): Promise<string> {
    return (await h.core.readNamespacedServiceAccount({ namespace, name })).metadata?.uid ?? "";
  }

  it("issues service-account JWTs with kube-apiserver's claims and honours expirationSeconds", async () => {
    const res = await h.core.createNamespacedServiceAccountToken({
      namespace: "calico-system",
      name: "calico-cni-plugin",
      body: {
        apiVersion: "authentication.k8s.io/v1",
        kind: "TokenRequest",
        spec: { expirationSeconds: 86_400, audiences: [] },
      },
    });
    const token = res.status?.token ?? "";
    const [header, payload] = token
      .split(".")
      .slice(0, 2)
      .map((p) => JSON.parse(Buffer.from(p, "base64url").toString("utf8")));
    expect(header).toMatchObject({ alg: "RS256" });
    expect(typeof header.kid).toBe("string");
    expect(payload.iss).toBe("https://kubernetes.default.svc.cluster.local");
    expect(payload.sub).toBe("system:serviceaccount:calico-system:calico-cni-plugin");
    expect(payload.aud).toEqual(["https://kubernetes.default.svc.cluster.local"]);
    expect(payload.exp - payload.iat).toBe(86_400);
    expect(payload.nbf).toBe(payload.iat);
    expect(typeof payload.jti).toBe("string");
    expect(payload["kubernetes.io"]).toEqual({
      namespace: "calico-system",
      serviceaccount: { name: "calico-cni-plugin", uid: await saUid("calico-system", "calico-cni-plugin") },
    });
    const verdict = await review(token);
    expect(verdict.authenticated).toBe(true);
    expect(verdict.user?.username).toBe("system:serviceaccount:calico-system:calico-cni-plugin");
    expect(verdict.user?.groups).toEqual([
      "system:serviceaccounts",
      "system:serviceaccounts:calico-system",
      "system:authenticated",
    ]);
  });

  it("defaults to one hour, refuses less than ten minutes, and 404s an unknown service account", async () => {
    const res = await h.core.createNamespacedServiceAccountToken({
      namespace: "default",
      name: "default",
      body: { spec: { audiences: [] } },
    });
    const payload = JSON.parse(
      Buffer.from((res.status?.token ?? "").split(".")[1] ?? "", "base64url").toString("utf8"),
    );
    expect(payload.exp - payload.iat).toBe(3600);
    await expect(
      h.core.createNamespacedServiceAccountToken({
        namespace: "default",
        name: "default",
        body: { spec: { audiences: [], expirationSeconds: 60 } },
      }),
    ).rejects.toMatchObject({ code: 422 });
    await expect(
      h.core.createNamespacedServiceAccountToken({
        namespace: "default",
        name: "nobody",
        body: { spec: { audiences: [] } },
      }),
    ).rejects.toMatchObject({ code: 404 });
  });

  it("binds a token to a pod, and judges it invalidated once the pod is gone", async () => {
    const pods = await h.core.listNamespacedPod({ namespace: "default", labelSelector: "app=redis" });
    const pod = pods.items[0];
    if (!pod?.metadata?.name || !pod.metadata.uid) throw new Error("healthy scenario has redis pods");
    const res = await h.core.createNamespacedServiceAccountToken({
      namespace: "default",
      name: "default",
      body: {
        spec: {
          audiences: [],
          boundObjectRef: { kind: "Pod", apiVersion: "v1", name: pod.metadata.name, uid: pod.metadata.uid },
        },
      },
    });
    const token = res.status?.token ?? "";
    const payload = JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString("utf8"));
    expect(payload["kubernetes.io"].pod).toEqual({ name: pod.metadata.name, uid: pod.metadata.uid });
    expect(payload["kubernetes.io"].node.name).toBe(pod.spec?.nodeName);
    expect((await review(token)).user?.extra?.["authentication.kubernetes.io/pod-name"]).toEqual([
      pod.metadata.name,
    ]);
    // Remove the pod from the store directly (the kubelet would take a sync period) and judge again.
    h.sim.store.delete("pods", "default", pod.metadata.name);
    const after = await review(token);
    expect(after.authenticated).toBeFalsy();
    expect(after.error).toBe("service account token has been invalidated");
  });

  it("rejects expired, not-yet-valid, foreign-key and uid-mismatched tokens with the real server's errors", async () => {
    const identity = h.sim.cluster.identity;
    const sa = { name: "calico-cni-plugin", uid: await saUid("calico-system", "calico-cni-plugin") };
    const now = Date.now();
    const expired = await signServiceAccountToken(identity, {
      namespace: "calico-system",
      serviceAccount: sa,
      expirationSeconds: 86_400,
      issuedAt: new Date(now - 30 * 3600_000),
    });
    expect(await review(expired.token)).toMatchObject({ error: "service account token has expired" });
    const future = await signServiceAccountToken(identity, {
      namespace: "calico-system",
      serviceAccount: sa,
      issuedAt: new Date(now + 3600_000),
    });
    expect(await review(future.token)).toMatchObject({ error: "service account token is not valid yet" });
    const previous = await createClusterIdentity("previous", new Date(now - 40 * 86_400_000));
    const foreign = await signServiceAccountToken(previous, {
      namespace: "calico-system",
      serviceAccount: sa,
    });
    expect(await review(foreign.token)).toMatchObject({ error: "invalid signature, no keys found" });
    const wrongUid = await signServiceAccountToken(identity, {
      namespace: "calico-system",
      serviceAccount: { ...sa, uid: "5d7a0a2e-0000-4000-8000-000000000000" },
    });
    expect(await review(wrongUid.token)).toMatchObject({
      error: `service account UID (${sa.uid}) does not match claim (5d7a0a2e-0000-4000-8000-000000000000)`,
    });
    const valid = await signServiceAccountToken(identity, { namespace: "calico-system", serviceAccount: sa });
    expect((await review(valid.token)).authenticated).toBe(true);
    expect(await review(valid.token, ["vault"])).toMatchObject({
      error:
        'token audiences ["https://kubernetes.default.svc.cluster.local"] is invalid for the target audiences ["vault"]',
    });
  });

  it("leaves tokens of another issuer unjudged, as the real authenticator does", async () => {
    const other = { ...h.sim.cluster.identity, issuer: "https://oidc.example.com" };
    const token = await signServiceAccountToken(other, {
      namespace: "default",
      serviceAccount: { name: "default", uid: await saUid("default", "default") },
    });
    const verdict = await review(token.token);
    expect(verdict.authenticated).toBeFalsy();
    expect(verdict.error).toBeUndefined();
  });

  it("authenticates bearer tokens: the admin token and valid service-account tokens, nothing else", async () => {
    const sa = { name: "calico-cni-plugin", uid: await saUid("calico-system", "calico-cni-plugin") };
    const good = await signServiceAccountToken(h.sim.cluster.identity, {
      namespace: "calico-system",
      serviceAccount: sa,
    });
    const expired = await signServiceAccountToken(h.sim.cluster.identity, {
      namespace: "calico-system",
      serviceAccount: sa,
      issuedAt: new Date(Date.now() - 2 * 86_400_000),
    });
    expect(await h.sim.cluster.authority.authenticate(good.token)).toMatchObject({
      username: "system:serviceaccount:calico-system:calico-cni-plugin",
    });
    expect(await h.sim.cluster.authority.authenticate(expired.token)).toBeNull();
    expect(await h.sim.cluster.authority.authenticate(h.sim.adminToken)).toEqual({
      username: "kubernetes-admin",
      groups: ["system:masters", "system:authenticated"],
    });
  });
});
