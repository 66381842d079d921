/**
 * Pod Security admission as kube-apiserver enforces it from namespace labels (kubernetes/kubernetes
 * staging/src/k8s.io/pod-security-admission/policy/check_*.go, admission/admission.go). cni-doctor's node agent pods
 * use the host network and hostPath volumes, which only the privileged level admits: its namespace must say so.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedFixtureCluster } from "../support/apiserver-fixtures.ts";
import { ADMIN_TOKEN, type Harness, startHarness } from "../support/apiserver-harness.ts";
import { type RawRequest, rawRequest } from "../support/apiserver-http.ts";

let h: Harness;
const call = (path: string, opts: RawRequest = {}) =>
  rawRequest(h.server.url, h.caPem, path, { token: ADMIN_TOKEN, ...opts });

beforeAll(async () => {
  h = await startHarness(seedFixtureCluster);
  for (const [name, labels] of [
    ["psa-baseline", { "pod-security.kubernetes.io/enforce": "baseline" }],
    [
      "psa-restricted",
      {
        "pod-security.kubernetes.io/enforce": "restricted",
        "pod-security.kubernetes.io/enforce-version": "v1.33",
      },
    ],
    [
      "psa-privileged",
      { "pod-security.kubernetes.io/enforce": "privileged", "pod-security.kubernetes.io/warn": "restricted" },
    ],
    ["psa-none", {}],
  ] as const) {
    const r = await call("/api/v1/namespaces", { method: "POST", body: { metadata: { name, labels } } });
    expect(r.status).toBe(201);
  }
});
afterAll(async () => {
  await h?.close();
});

/** The node agent pod as cni-doctor makes it: host network, two hostPath volumes, root without privilege. */
function agentPod(name: string) {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name },
    spec: {
      nodeName: "k8s-worker1",
      hostNetwork: true,
      securityContext: { seccompProfile: { type: "RuntimeDefault" } },
      containers: [
        {
          name: "agent",
          image: "cni-doctor:1",
          securityContext: {
            runAsUser: 0,
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: true,
            capabilities: { drop: ["ALL"] },
          },
          volumeMounts: [{ name: "cni-conf", mountPath: "/host/etc/cni/net.d", readOnly: true }],
        },
      ],
      volumes: [
        { name: "cni-conf", hostPath: { path: "/etc/cni/net.d", type: "Directory" } },
        { name: "backup", hostPath: { path: "/var/lib/cni-doctor/backup", type: "DirectoryOrCreate" } },
      ],
    },
  };
}

describe("Pod Security admission from namespace labels", () => {
  it("baseline refuses host namespaces and hostPath volumes, naming each, with a 403", async () => {
    const r = await call("/api/v1/namespaces/psa-baseline/pods", { method: "POST", body: agentPod("a1") });
    expect(r.status).toBe(403);
    expect(r.json()).toMatchObject({
      reason: "Forbidden",
      code: 403,
      message:
        'pods "a1" is forbidden: violates PodSecurity "baseline:latest": host namespaces (hostNetwork=true), hostPath volumes (volumes "cni-conf", "backup")',
      details: { name: "a1", kind: "pods" },
    });
  });

  it("restricted lists every failing check in the order of their IDs, with the labelled version", async () => {
    const r = await call("/api/v1/namespaces/psa-restricted/pods", { method: "POST", body: agentPod("a2") });
    expect(r.status).toBe(403);
    expect(r.json().message).toBe(
      'pods "a2" is forbidden: violates PodSecurity "restricted:v1.33": host namespaces (hostNetwork=true), restricted volume types (volumes "cni-conf", "backup" use restricted volume type "hostPath"), runAsNonRoot != true (pod or container "agent" must set securityContext.runAsNonRoot=true), runAsUser=0 (container "agent" must not set runAsUser=0)',
    );
  });

  it("privileged (or no label) admits it; a warn label adds the Warning header the real server sends", async () => {
    const warned = await call("/api/v1/namespaces/psa-privileged/pods", {
      method: "POST",
      body: agentPod("a3"),
    });
    expect(warned.status).toBe(201);
    expect(String(warned.headers.warning)).toContain(
      '299 - "would violate PodSecurity \\"restricted:latest\\": host namespaces (hostNetwork=true)',
    );
    const plain = await call("/api/v1/namespaces/psa-none/pods", { method: "POST", body: agentPod("a4") });
    expect(plain.status).toBe(201);
    expect(plain.headers.warning).toBeUndefined();
  });

  it("baseline admits an ordinary pod, and names a privileged container and an added capability", async () => {
    const ok = await call("/api/v1/namespaces/psa-baseline/pods", {
      method: "POST",
      body: { metadata: { name: "web" }, spec: { containers: [{ name: "web", image: "nginx" }] } },
    });
    expect(ok.status).toBe(201);
    const bad = await call("/api/v1/namespaces/psa-baseline/pods", {
      method: "POST",
      body: {
        metadata: { name: "bad" },
        spec: {
          containers: [
            { name: "a", image: "x", securityContext: { privileged: true } },
            { name: "b", image: "x", securityContext: { capabilities: { add: ["NET_ADMIN", "CHOWN"] } } },
          ],
        },
      },
    });
    expect(bad.json().message).toBe(
      'pods "bad" is forbidden: violates PodSecurity "baseline:latest": non-default capabilities (container "b" must not include "NET_ADMIN" in securityContext.capabilities.add), privileged (container "a" must not set securityContext.privileged=true)',
    );
  });
});
