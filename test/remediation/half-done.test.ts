/**
 * Which runs `diagnose` says left files moved aside (src/remediation/half-done.ts): judged from the journal and the
 * lease without writing, so a dead runner's run counts as interrupted while the journal still says "running".
 */
import { describe, expect, it } from "vitest";
import { halfDoneRuns } from "../../src/remediation/half-done.ts";
import type { RunRecord } from "../../src/remediation/index.ts";

const LIVE = { holder: "bot-1/run-a", runId: "run-a", expiresAt: new Date("2026-12-05T12:00:30Z") };

function record(over: Partial<RunRecord>): RunRecord {
  const quarantine = (node: string) => ({
    node,
    cniConfDir: "/etc/cni/net.d",
    backupDir: `/var/lib/cni-doctor/backup/ev1/${node}`,
    namesBefore: ["10-calico.conflist"],
    moved: ["10-calico.conflist"],
    checksums: {},
  });
  return {
    id: "run-a",
    state: "running",
    plan: {
      steps: [
        { kind: "quarantine-cni-config", node: "w1" },
        { kind: "restart-cni-agent", node: "w1" },
        { kind: "quarantine-cni-config", node: "w2" },
        { kind: "restart-cni-agent", node: "w2" },
      ],
    },
    steps: [
      { index: 0, status: "ok" },
      { index: 1, status: "ok" },
      { index: 2, status: "ok" },
      { index: 3, status: "running" },
    ],
    rollbacks: [],
    quarantines: [quarantine("w1"), quarantine("w2")],
    ...over,
  } as unknown as RunRecord;
}

describe("halfDoneRuns", () => {
  it("calls a running run whose runner holds the lease in progress, naming the node not yet healed", () => {
    expect(halfDoneRuns([record({})], LIVE)).toEqual([
      {
        runId: "run-a",
        status: "in-progress",
        journalState: "running",
        nodes: [{ node: "w2", backupDir: "/var/lib/cni-doctor/backup/ev1/w2" }],
        command: "cni-doctor runs (cni-doctor stop run-a ends it after its step)",
      },
    ]);
  });

  it("judges a running run without a live lease as left behind, with its restore command", () => {
    for (const holder of [null, { ...LIVE, runId: "run-b" }]) {
      expect(halfDoneRuns([record({})], holder)).toMatchObject([
        {
          status: "left-behind",
          journalState: "running",
          nodes: [{ node: "w2" }],
          command: "cni-doctor rollback run-a",
        },
      ]);
    }
  });

  it("leaves out healed nodes, restored nodes and runs that moved nothing", () => {
    const restored = record({
      state: "failed",
      rollbacks: [{ node: "w2", ok: true } as RunRecord["rollbacks"][number]],
    });
    const healed = record({
      state: "succeeded",
      steps: [0, 1, 2, 3].map((index) => ({ index, status: "ok" })) as RunRecord["steps"],
    });
    const nothingMoved = record({ state: "interrupted", quarantines: [] });
    expect(halfDoneRuns([restored, healed, nothingMoved], null)).toEqual([]);
  });

  it("keeps a failed rollback's node as left behind", () => {
    const failedRestore = record({
      state: "failed",
      rollbacks: [{ node: "w2", ok: false } as RunRecord["rollbacks"][number]],
    });
    expect(halfDoneRuns([failedRestore], null)).toMatchObject([
      { journalState: "failed", nodes: [{ node: "w2" }] },
    ]);
  });
});
