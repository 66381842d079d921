/**
 * Ctrl-C (SIGINT), SIGTERM and SIGHUP to a real `cni-doctor fix` process in the middle of a run: the step in flight
 * finishes, the half-done node is restored byte for byte, the run is journaled as stopped, and the terminal says what
 * happened and what was restored. A second signal says what is still in flight; only a third forces the exit, and
 * then the terminal says where the backups are.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { userInfo } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { RunRecord } from "../../src/remediation/index.ts";
import { BOT_NAMESPACE, type Harness, snapshotTree, startHarness, TEST_ENV } from "../support/sim-harness.ts";

const NODE = join(process.cwd(), "node_modules/.bin/node");
const BIN = join(process.cwd(), "bin/cni-doctor.js");
const CONF = "etc/cni/net.d";
const WORKER = "k8s-worker1";

let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

function startFix(
  harness: Harness,
  extra: string[] = [],
): {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
} {
  const me = userInfo().username;
  const child = spawn(
    NODE,
    [
      BIN,
      "fix",
      "--yes",
      "--kubeconfig",
      harness.kubeconfigPath,
      "--nodes-file",
      harness.nodesFile,
      ...extra,
    ],
    {
      env: {
        PATH: process.env.PATH ?? "",
        ...TEST_ENV,
        CNI_DOCTOR_APPROVERS: `cli:${me}`,
        CNI_DOCTOR_SELF_APPROVAL: "cli",
        NO_COLOR: "1",
      },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let output = "";
  child.stdout?.on("data", (d) => (output += d));
  child.stderr?.on("data", (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, output: () => output, exited };
}

function journal(harness: Harness): RunRecord[] {
  return harness.sim.store
    .list("configmaps", BOT_NAMESPACE)
    .filter((c) => c.metadata.name.startsWith("cni-doctor-run-"))
    .map((c) => JSON.parse((c as unknown as { data: { "run.json": string } }).data["run.json"]) as RunRecord);
}

async function until<T>(what: string, probe: () => T | undefined, output: () => string): Promise<T> {
  for (let i = 0; i < 400; i++) {
    const v = probe();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}; output so far:\n${output().slice(-2000)}`);
}

async function firstStepInFlight(harness: Harness): Promise<ReturnType<typeof startFix>> {
  await harness.diagnoseUntil((d) => d.findings.flatMap((f) => f.nodes).length === 2);
  // Slow commands on the first node: its first step is in flight long enough to be interrupted mid-way.
  harness.ssh.faults.setLatency(WORKER, 700);
  const fix = startFix(harness);
  await until(
    "the first step to run",
    () =>
      journal(harness).some((r) => r.steps.some((s) => s.index === 0 && s.status === "running")) &&
      fix.output().includes("→ 1. quarantine-cni-config on k8s-worker1")
        ? true
        : undefined,
    fix.output,
  );
  return fix;
}

describe("signals to `cni-doctor fix`", () => {
  it.each(["SIGINT", "SIGTERM", "SIGHUP"] as const)(
    "%s: finishes the step, restores the half-done node byte for byte, journals the run as stopped",
    async (signal) => {
      h = await startHarness("stale-cni-config");
      const before = snapshotTree(join(h.sim.nodeRoot(WORKER), CONF));
      const fix = await firstStepInFlight(h);
      fix.child.kill(signal);
      const code = await fix.exited;
      const out = fix.output();
      expect(code, out.slice(-3000)).toBe(1);
      expect(out).toContain(`${signal}: stopping run `);
      expect(out).toMatch(/after step 1\. quarantine-cni-config on k8s-worker1/);
      expect(out).toMatch(/rollback on k8s-worker1: Restored .*byte-identical to the originals/);
      expect(out).toMatch(
        new RegExp(
          `Result: stopped: Stopped on ${WORKER} before restart-cni-agent: interrupted at the terminal \\(${signal}\\)`,
        ),
      );
      const record = journal(h)[0];
      expect(record?.state).toBe("stopped");
      expect(record?.rollbacks.map((rb) => [rb.node, rb.ok])).toEqual([[WORKER, true]]);
      expect(snapshotTree(join(h.sim.nodeRoot(WORKER), CONF))).toEqual(before);
    },
    90_000,
  );

  it("a second Ctrl-C says what is in flight; a third forces exit and says where the backups are", async () => {
    h = await startHarness("stale-cni-config");
    const fix = await firstStepInFlight(h);
    fix.child.kill("SIGINT");
    await until(
      "the first stop line",
      () => (fix.output().includes("SIGINT: stopping run") ? true : undefined),
      fix.output,
    );
    fix.child.kill("SIGINT");
    await until(
      "the in-flight line",
      () => (fix.output().includes("still in flight") ? true : undefined),
      fix.output,
    );
    expect(fix.output()).toMatch(
      /SIGINT: still in flight: run \S+, step 1\. quarantine-cni-config on k8s-worker1/,
    );
    fix.child.kill("SIGINT");
    const code = await fix.exited;
    const out = fix.output();
    expect(code, out.slice(-3000)).toBe(130);
    expect(out).toMatch(/SIGINT: forced exit during step 1\. quarantine-cni-config on k8s-worker1/);
    expect(out).toMatch(
      /Moved files, if any, are in k8s-worker1:\/var\/lib\/cni-doctor\/backup\/\S+; restore with: cni-doctor rollback \S+/,
    );
  }, 90_000);

  it("before the run starts nothing has changed, and the first signal exits at once", async () => {
    h = await startHarness("stale-cni-config");
    // Slow node reads: the signal lands during the diagnosis, after its first node command (--verbose logs it).
    h.ssh.faults.setLatency(WORKER, 1500);
    const fix = startFix(h, ["--verbose"]);
    await until("a node command", () => (/k8s-worker1/.test(fix.output()) ? true : undefined), fix.output);
    fix.child.kill("SIGINT");
    const code = await fix.exited;
    expect(code, fix.output()).toBe(130);
    expect(fix.output()).toContain("SIGINT: stopped before any change; nothing was changed on the cluster.");
    expect(journal(h).filter((r) => r.state === "running")).toEqual([]);
  }, 90_000);
});
