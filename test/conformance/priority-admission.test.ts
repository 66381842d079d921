/**
 * The Priority admission plugin as kube-apiserver runs it (kubernetes/kubernetes
 * plugin/pkg/admission/priority/admission.go), against the simulated cluster: the built-in system classes exist, a
 * pod naming an unknown class is refused with the plugin's text, and an admitted pod carries its class's value.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningSimulatedCluster, startSimulatedCluster } from "../../src/sim/index.ts";
import { rawRequest } from "../support/apiserver-http.ts";

let sim: RunningSimulatedCluster;
const call = (path: string, body?: unknown, method = body ? "POST" : "GET") =>
  rawRequest(sim.url, sim.caPem, path, { token: sim.adminToken, method, ...(body ? { body } : {}) });

beforeAll(async () => {
  sim = await startSimulatedCluster({ scenario: "healthy", port: 0, sshNodes: false });
});
afterAll(async () => sim?.stop());

const pod = (name: string, priorityClassName?: string) => ({
  metadata: { name },
  spec: {
    ...(priorityClassName ? { priorityClassName } : {}),
    containers: [{ name: "c", image: "busybox" }],
  },
});

describe("Priority admission", () => {
  it("serves the built-in system PriorityClasses", async () => {
    const list = (await call("/apis/scheduling.k8s.io/v1/priorityclasses")).json();
    const byName = Object.fromEntries(
      list.items.map((c: { metadata: { name: string }; value: number }) => [c.metadata.name, c.value]),
    );
    expect(byName).toMatchObject({
      "system-cluster-critical": 2000000000,
      "system-node-critical": 2000001000,
    });
  });

  it("refuses a pod naming a PriorityClass that does not exist, with the plugin's 403", async () => {
    const r = await call("/api/v1/namespaces/default/pods", pod("p1", "cni-doctor-node-agent"));
    expect(r.status).toBe(403);
    expect(r.json().message).toBe(
      'pods "p1" is forbidden: no PriorityClass with name cni-doctor-node-agent was found',
    );
  });

  it("admits a pod of a class that exists with the class's value, and others with priority 0", async () => {
    const created = await call("/apis/scheduling.k8s.io/v1/priorityclasses", {
      apiVersion: "scheduling.k8s.io/v1",
      kind: "PriorityClass",
      metadata: { name: "cni-doctor-node-agent" },
      value: 1000000,
      preemptionPolicy: "Never",
    });
    expect(created.status).toBe(201);
    const admitted = await call("/api/v1/namespaces/default/pods", pod("p2", "cni-doctor-node-agent"));
    expect(admitted.status).toBe(201);
    expect(admitted.json().spec).toMatchObject({ priority: 1000000, preemptionPolicy: "Never" });
    const plain = await call("/api/v1/namespaces/default/pods", pod("p3"));
    expect(plain.json().spec.priority).toBe(0);
  });
});
