/**
 * list_runs reads the journal as `runs --json` reports it, judging dead and expired runs on the summaries without
 * writing: the reads it is given have no write methods, and the states are judged as `runs` would mark them.
 */
import { describe, expect, it } from "vitest";
import type { V1ConfigMap, V1Lease } from "../../src/kube/types.ts";
import { listRunsReadOnly } from "../../src/mcp/runs.ts";
import type { RunRecord } from "../../src/remediation/index.ts";

const NOW = new Date("2026-11-21T05:00:00.000Z");

function record(id: string, state: RunRecord["state"], expiresAt: string): RunRecord {
  return {
    id,
    cluster: { context: "prod", server: "https://k", caFingerprint: null },
    state,
    plan: {
      digest: `sha256:${id}`,
      steps: [],
      blastRadius: { nodes: ["k8s-worker1"], pods: [] },
    },
    requestedBy: { id: "mcp:agent", via: "process" },
    requestedAt: expiresAt,
    expiresAt,
    includeBarePods: false,
    policyViolations: [],
    approvals: [],
    quorum: 1,
    rejectedBy: null,
    stopRequested: null,
    execution: null,
    steps: [],
    rollbacks: [],
    verification: null,
    outcome: null,
    supersededBy: null,
    origin: null,
  } as unknown as RunRecord;
}

function journal(records: RunRecord[], lease: V1Lease | null, namespaceExists = true) {
  const reads: string[] = [];
  const configMaps: V1ConfigMap[] = records.map((r) => ({
    metadata: { name: r.id },
    data: { "run.json": JSON.stringify(r) },
  }));
  const read = <T>(what: string, value: T) => {
    reads.push(what);
    return Promise.resolve(value);
  };
  return {
    reads,
    namespaceExists: (ns: string) => read(`namespace ${ns}`, namespaceExists),
    listConfigMaps: () => read("list configmaps", configMaps),
    getConfigMap: (_ns: string, name: string) => read(`get configmap ${name}`, null),
    getLease: () => read("get lease", lease),
  };
}

const options = { namespace: "cni-doctor", leaseDurationSeconds: 30, now: NOW };

describe("listRunsReadOnly", () => {
  it("reports a dead runner's run as interrupted and a pending run past its window as expired, writing nothing", async () => {
    const j = journal(
      [
        record("a-running", "running", "2026-11-21T05:10:00.000Z"),
        record("b-pending-late", "pending", "2026-11-21T04:59:00.000Z"),
        record("c-pending", "pending", "2026-11-21T05:10:00.000Z"),
      ],
      null,
    );
    const listing = await listRunsReadOnly(j, options);
    expect(listing.paused).toBe(false);
    const byId = Object.fromEntries(listing.runs.map((r) => [r.id, r]));
    expect(byId["a-running"]?.state).toBe("interrupted");
    expect(byId["a-running"]?.outcome).toContain("interrupted: the runner stopped (its lease lapsed)");
    expect(byId["b-pending-late"]).toMatchObject({
      state: "expired",
      outcome: "approval window closed at 2026-11-21T04:59:00.000Z",
    });
    expect(byId["c-pending"]?.state).toBe("pending");
    expect(j.reads.sort()).toEqual([
      "get configmap cni-doctor-kill-switch",
      "get lease",
      "list configmaps",
      "namespace cni-doctor",
    ]);
  });

  it("keeps a run whose runner holds the lease as running", async () => {
    const lease: V1Lease = {
      metadata: { annotations: { "cni-doctor.io/run": "a-running" } },
      spec: { holderIdentity: "host/1/x", renewTime: NOW as never, leaseDurationSeconds: 30 },
    };
    const listing = await listRunsReadOnly(
      journal([record("a-running", "running", "2026-11-21T05:10:00.000Z")], lease),
      options,
    );
    expect(listing.runs[0]?.state).toBe("running");
  });

  it("says where the journal is missing instead of listing nothing", async () => {
    await expect(listRunsReadOnly(journal([], null, false), options)).rejects.toThrow(
      /namespace cni-doctor does not exist/,
    );
  });
});
