/**
 * ClusterReader against the simulated API server: where verification reads a Service's ready addresses.
 * Endpoints (core/v1) are deprecated since Kubernetes 1.33 in favour of EndpointSlices (discovery.k8s.io/v1,
 * kubernetes/kubernetes staging/src/k8s.io/api/discovery/v1/types.go); the reader uses slices and falls back to
 * core Endpoints only where the API server does not serve them.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadCluster } from "../../src/kube/cluster-config.ts";
import {
  type ClusterReader,
  createClusterReader,
  readyEndpointsAddresses,
  readySliceAddresses,
} from "../../src/kube/reader.ts";
import { type RunningSimulatedCluster, startSimulatedCluster } from "../../src/sim/index.ts";
import { recordApiRequests } from "../faults/support.ts";

describe("readyServiceAddresses", () => {
  let sim: RunningSimulatedCluster;
  let dir: string;
  let reader: ClusterReader;

  beforeAll(async () => {
    sim = await startSimulatedCluster({ scenario: "healthy", port: 0, sshNodes: false });
    dir = await mkdtemp(join(tmpdir(), "cni-doctor-reader-"));
    await writeFile(join(dir, "kubeconfig"), sim.kubeconfig());
    const cluster = loadCluster({ kubeconfigPath: join(dir, "kubeconfig") });
    reader = createClusterReader(cluster.kubeConfig, cluster.identity);
  });
  afterAll(async () => {
    await sim.stop();
    await rm(dir, { recursive: true, force: true });
  });

  async function redisIps(): Promise<string[]> {
    for (let i = 0; i < 100; i++) {
      const ips = sim.store
        .list("pods", "default")
        .filter((p) => p.metadata.labels?.app === "redis" && p.status?.podIP)
        .map((p) => p.status.podIP as string);
      if (ips.length === 2) return ips.sort();
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error("the redis pods never got their IPs");
  }

  it("reads the Service's EndpointSlices, by the kubernetes.io/service-name label, and not core Endpoints", async () => {
    const ips = await redisIps();
    const log = recordApiRequests(sim);
    const mark = log.mark();
    const addresses = await reader.readyServiceAddresses("default", "redis-master");
    expect(addresses.source).toBe("EndpointSlice");
    expect([...addresses.ready].sort()).toEqual(ips);
    const resources = log.requests.slice(mark).map((r) => `${r.verb} ${r.resource}`);
    expect(resources).toEqual(["list endpointslices"]);
  });

  it("falls back to core Endpoints where the API server does not serve EndpointSlices (404)", async () => {
    const ips = await redisIps();
    const notServed = sim.apiServer.faults.add({ resource: "endpointslices", status: 404 });
    try {
      const addresses = await reader.readyServiceAddresses("default", "redis-master");
      expect(addresses.source).toBe("Endpoints");
      expect([...addresses.ready].sort()).toEqual(ips);
    } finally {
      notServed();
    }
  });

  it("does not fall back when slices are refused (403): the refusal is reported", async () => {
    const refused = sim.apiServer.faults.add({ resource: "endpointslices", status: 403 });
    try {
      await expect(reader.readyServiceAddresses("default", "redis-master")).rejects.toMatchObject({
        failure: "forbidden",
      });
    } finally {
      refused();
    }
  });

  it("counts an endpoint ready unless its ready condition is false (unset means ready), each address once", () => {
    const endpoint = (ip: string, ready?: boolean) => ({
      addresses: [ip],
      conditions: ready === undefined ? {} : { ready },
    });
    expect(
      readySliceAddresses([
        { addressType: "IPv4", endpoints: [endpoint("10.0.0.1", true), endpoint("10.0.0.2", false)] },
        { addressType: "IPv4", endpoints: [endpoint("10.0.0.3"), endpoint("10.0.0.1", true)] },
      ]),
    ).toEqual(["10.0.0.1", "10.0.0.3"]);
    expect(
      readyEndpointsAddresses({
        subsets: [{ addresses: [{ ip: "10.0.0.1" }], notReadyAddresses: [{ ip: "10.0.0.2" }] }],
      }),
    ).toEqual(["10.0.0.1"]);
    expect(readyEndpointsAddresses(null)).toEqual([]);
  });
});
