/**
 * RequestClaims against the simulated API server: a request id is taken once across processes (compare-and-swap on
 * the ConfigMap's resourceVersion, so of two replicas racing for one id exactly one wins), and ids older than ten
 * minutes are dropped from the list rather than kept forever.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CoreV1Api } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadCluster } from "../../src/kube/cluster-config.ts";
import { type ClusterWriter, createClusterWriter } from "../../src/kube/writer.ts";
import { REQUEST_CLAIMS_NAME, RequestClaims } from "../../src/remediation/request-claims.ts";
import { type RunningSimulatedCluster, startSimulatedCluster } from "../../src/sim/index.ts";

const NS = "cni-doctor";

describe("RequestClaims", () => {
  let sim: RunningSimulatedCluster;
  let dir: string;
  let writers: ClusterWriter[];

  beforeAll(async () => {
    sim = await startSimulatedCluster({ scenario: "healthy", port: 0, sshNodes: false });
    dir = await mkdtemp(join(tmpdir(), "cni-doctor-claims-"));
    await writeFile(join(dir, "kubeconfig"), sim.kubeconfig());
    const cluster = loadCluster({ kubeconfigPath: join(dir, "kubeconfig") });
    await cluster.kubeConfig.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: NS } } });
    // Two writers with their own connections: two replicas.
    writers = [
      createClusterWriter(cluster.kubeConfig, { requestTimeoutMs: 10_000 }),
      createClusterWriter(cluster.kubeConfig, { requestTimeoutMs: 10_000 }),
    ];
  });
  afterAll(async () => {
    await sim.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it("takes an id once, whoever asks again", async () => {
    const [a, b] = writers.map((w) => new RequestClaims(w, NS, () => new Date()));
    expect(await a?.claim("command:1.2.abc")).toBe(true);
    expect(await a?.claim("command:1.2.abc")).toBe(false);
    expect(await b?.claim("command:1.2.abc")).toBe(false);
    expect(await b?.claim("command:1.2.def")).toBe(true);
  });

  it("lets exactly one of two replicas win each id, with sixteen claims in flight at once", async () => {
    const [a, b] = writers.map((w) => new RequestClaims(w, NS, () => new Date()));
    const ids = Array.from({ length: 8 }, (_, i) => `event:Ev${i}`);
    const wins = await Promise.all(ids.flatMap((id) => [a?.claim(id), b?.claim(id)]));
    for (let i = 0; i < ids.length; i++)
      expect([wins[2 * i], wins[2 * i + 1]].filter(Boolean)).toHaveLength(1);
  });

  it("writes the claims that arrive together in one go: fifty at once in one process take a few writes, not fifty", async () => {
    const writes: string[] = [];
    const base = writers[0] as ClusterWriter;
    const counting: ClusterWriter = {
      ...base,
      createConfigMap: (ns, body) => {
        writes.push("create");
        return base.createConfigMap(ns, body);
      },
      replaceConfigMap: (ns, body) => {
        writes.push("replace");
        return base.replaceConfigMap(ns, body);
      },
    };
    const claims = new RequestClaims(counting, NS, () => new Date());
    const ids = Array.from({ length: 50 }, (_, i) => `command:burst.${i}`);
    // Each id asked twice in the same burst: the first asker wins, the second is told it was taken.
    const wins = await Promise.all([...ids, ...ids].map((id) => claims.claim(id)));
    expect(wins.slice(0, 50).every((w) => w === true)).toBe(true);
    expect(wins.slice(50).every((w) => w === false)).toBe(true);
    // One write for the first claim, one for everything that queued behind it (a conflict with the other tests'
    // writer could add a retry, never one per claim).
    expect(writes.length).toBeGreaterThanOrEqual(1);
    expect(writes.length).toBeLessThanOrEqual(4);
    const stored = JSON.parse(
      (sim.store.get("configmaps", NS, REQUEST_CLAIMS_NAME) as unknown as { data: { claims: string } }).data
        .claims,
    ) as Record<string, number>;
    expect(Object.keys(stored).length).toBeGreaterThanOrEqual(50);
  });

  it("forgets ids older than ten minutes, and stores none in the clear", async () => {
    // A month after the other tests' claims, so theirs are gone too.
    let now = new Date("2027-01-05T10:00:00Z");
    const claims = new RequestClaims(writers[0] as ClusterWriter, NS, () => now);
    expect(await claims.claim("command:old")).toBe(true);
    now = new Date("2027-01-05T10:09:59Z");
    expect(await claims.claim("command:old")).toBe(false);
    now = new Date("2027-01-05T10:10:01Z");
    expect(await claims.claim("command:old")).toBe(true);
    const stored = sim.store.get("configmaps", NS, REQUEST_CLAIMS_NAME) as unknown as {
      data: { claims: string };
    };
    expect(stored.data.claims).not.toContain("command:");
    expect(Object.keys(JSON.parse(stored.data.claims)).length).toBeLessThan(5);
  });
});
