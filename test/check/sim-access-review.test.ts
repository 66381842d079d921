/**
 * What `check` relies on from the API server, on the simulator as on kube-apiserver: SelfSubjectAccessReview
 * (pkg/registry/authorization/selfsubjectaccessreview/rest.go; every authenticated user may ask, through the bootstrap
 * system:basic-user binding) and dryRun=All writes that are admitted and validated but never stored
 * (staging/src/k8s.io/apiserver/pkg/registry/generic/registry/dryrun.go; "All" is the only valid value,
 * apimachinery pkg/apis/meta/v1/validation ValidateDryRun).
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AuthorizationV1Api, CoreV1Api } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadCluster } from "../../src/kube/cluster-config.ts";
import { type RunningSimulatedCluster, startSimulatedCluster } from "../../src/sim/index.ts";

let sim: RunningSimulatedCluster;
let dir: string;
let admin: CoreV1Api;
let nobody: AuthorizationV1Api;
let adminAuthz: AuthorizationV1Api;

beforeAll(async () => {
  sim = await startSimulatedCluster({ scenario: "healthy", port: 0, rbac: true, sshNodes: false });
  dir = await mkdtemp(join(tmpdir(), "cni-doctor-ssar-"));
  await writeFile(join(dir, "admin"), sim.kubeconfig());
  const adminCluster = loadCluster({ kubeconfigPath: join(dir, "admin") });
  admin = adminCluster.kubeConfig.makeApiClient(CoreV1Api);
  adminAuthz = adminCluster.kubeConfig.makeApiClient(AuthorizationV1Api);
  await admin.createNamespacedServiceAccount({
    namespace: "default",
    body: { metadata: { name: "nobody" } },
  });
  const token = await sim.requestServiceAccountToken("default", "nobody");
  await writeFile(join(dir, "nobody"), sim.kubeconfig({ user: "nobody", token }));
  nobody = loadCluster({ kubeconfigPath: join(dir, "nobody") }).kubeConfig.makeApiClient(AuthorizationV1Api);
}, 60_000);

afterAll(async () => {
  await sim?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const review = (attrs: Record<string, string>) => ({
  body: {
    apiVersion: "authorization.k8s.io/v1",
    kind: "SelfSubjectAccessReview",
    spec: { resourceAttributes: attrs },
  },
});

describe("SelfSubjectAccessReview", () => {
  it("answers for the caller: a user without roles may ask, and is told no", async () => {
    const answer = await nobody.createSelfSubjectAccessReview(review({ verb: "list", resource: "pods" }));
    expect(answer.status?.allowed).toBe(false);
    expect(answer.status?.denied ?? false).toBe(false);
  });

  it("says yes, with RBAC's reason, when a binding allows it", async () => {
    const answer = await adminAuthz.createSelfSubjectAccessReview(
      review({ verb: "delete", resource: "pods", namespace: "kube-system" }),
    );
    expect(answer.status?.allowed).toBe(true);
  });

  it("refuses a spec without exactly one kind of attributes (422)", async () => {
    await expect(
      nobody.createSelfSubjectAccessReview({
        body: { apiVersion: "authorization.k8s.io/v1", kind: "SelfSubjectAccessReview", spec: {} },
      }),
    ).rejects.toMatchObject({ code: 422 });
  });
});

describe("dryRun=All", () => {
  it("admits and answers a create without storing it", async () => {
    const created = await admin.createNamespacedConfigMap({
      namespace: "default",
      dryRun: "All",
      body: { metadata: { name: "dry" }, data: { a: "b" } },
    });
    expect(created.metadata?.uid).toBeTruthy();
    expect(sim.store.get("configmaps", "default", "dry")).toBeUndefined();
  });

  it("still runs admission: a create in a namespace that does not exist is refused", async () => {
    await expect(
      admin.createNamespacedConfigMap({
        namespace: "nosuch",
        dryRun: "All",
        body: { metadata: { name: "dry" } },
      }),
    ).rejects.toMatchObject({ code: 404 });
  });

  it("refuses any value but All (422), and leaves deletes undone", async () => {
    await expect(
      admin.createNamespacedConfigMap({
        namespace: "default",
        dryRun: "Server",
        body: { metadata: { name: "dry" } },
      }),
    ).rejects.toMatchObject({ code: 422 });
    await admin.createNamespacedConfigMap({ namespace: "default", body: { metadata: { name: "kept" } } });
    await admin.deleteNamespacedConfigMap({ namespace: "default", name: "kept", dryRun: "All" });
    expect(sim.store.get("configmaps", "default", "kept")).toBeDefined();
  });
});
