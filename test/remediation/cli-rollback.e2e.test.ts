/**
 * `cni-doctor rollback RUN`: a `fix` process killed mid-step leaves k8s-worker2's CNI files moved aside; `runs` points
 * at the rollback, which restores them byte for byte, refuses a node the run healed, and passes the approval policy.
 */
import { spawn } from "node:child_process";
import { userInfo } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { RunRecord } from "../../src/remediation/index.ts";
import { runCli } from "../support/run-cli.ts";
import { BOT_NAMESPACE, type Harness, snapshotTree, startHarness, TEST_ENV } from "../support/sim-harness.ts";

const NODE = join(process.cwd(), "node_modules/.bin/node");
const BIN = join(process.cwd(), "bin/cni-doctor.js");
const CONF = "etc/cni/net.d";
const me = userInfo().username;
const CLI_ENV = {
  ...TEST_ENV,
  CNI_DOCTOR_APPROVERS: `cli:${me}`,
  CNI_DOCTOR_SELF_APPROVAL: "cli",
  NO_COLOR: "1",
};

let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

function journal(harness: Harness): RunRecord[] {
  return harness.sim.store
    .list("configmaps", BOT_NAMESPACE)
    .filter((c) => c.metadata.name.startsWith("cni-doctor-run-"))
    .map((c) => JSON.parse((c as unknown as { data: { "run.json": string } }).data["run.json"]) as RunRecord);
}

/** `fix --yes` on agent-wont-start, SIGKILLed while it waits for k8s-worker2's agent (which never comes back). */
async function killedMidRun(harness: Harness): Promise<string> {
  const child = spawn(
    NODE,
    [BIN, "fix", "--yes", "--kubeconfig", harness.kubeconfigPath, "--nodes-file", harness.nodesFile],
    {
      env: { PATH: process.env.PATH ?? "", ...CLI_ENV, CNI_DOCTOR_AGENT_READY_TIMEOUT_MS: "60000" },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  const exited = new Promise((resolve) => child.once("exit", resolve));
  for (let i = 0; i < 400; i++) {
    const record = journal(harness)[0];
    if (
      record?.steps.some(
        (s) => s.status === "running" && s.kind === "restart-cni-agent" && s.node === "k8s-worker2",
      )
    ) {
      child.kill("SIGKILL");
      await exited;
      return record.id;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill("SIGKILL");
  throw new Error("the fix never reached restart-cni-agent on k8s-worker2");
}

describe("cni-doctor rollback", () => {
  it("restores the files a killed run left moved, byte for byte, after runs points at it", async () => {
    h = await startHarness("agent-wont-start");
    await h.diagnoseUntil((d) => d.findings.flatMap((f) => f.nodes).length === 2);
    const before = snapshotTree(join(h.sim.nodeRoot("k8s-worker2"), CONF));
    const runId = await killedMidRun(h);
    expect(snapshotTree(join(h.sim.nodeRoot("k8s-worker2"), CONF))).not.toEqual(before);
    const target = ["--kubeconfig", h.kubeconfigPath, "--nodes-file", h.nodesFile];

    // diagnose points at the restore once the dead runner's lease lapses (2 s here), and journals nothing: the
    // run still says "running" until `runs` marks it interrupted.
    let diagnosed = { code: 0, out: "", err: "" };
    for (let i = 0; i < 40 && !/restore with/.test(diagnosed.out); i++) {
      diagnosed = await runCli(
        ["diagnose", "--node-access", "none", "--kubeconfig", h.kubeconfigPath],
        CLI_ENV,
      );
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(diagnosed.out).toContain(
      `! Run ${runId} (its runner died) left CNI files moved aside on k8s-worker2 (kept in /var/lib/cni-doctor/backup/`,
    );
    expect(diagnosed.out).toContain(`  restore with: cni-doctor rollback ${runId}`);
    expect(journal(h)[0]?.state).toBe("running");
    const diagnosedJson = await runCli(
      ["diagnose", "--json", "--node-access", "none", "--kubeconfig", h.kubeconfigPath],
      CLI_ENV,
    );
    expect(JSON.parse(diagnosedJson.out).halfDoneRuns).toMatchObject({
      runs: [
        { runId, status: "left-behind", journalState: "running", command: `cni-doctor rollback ${runId}` },
      ],
    });

    // runs marks it interrupted and says how to restore.
    let listed = { code: 0, out: "", err: "" };
    for (let i = 0; i < 40 && !/restore them with/.test(listed.out); i++) {
      listed = await runCli(["runs", "--kubeconfig", h.kubeconfigPath], CLI_ENV);
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(listed.out).toContain(
      `files left moved on k8s-worker2; restore them with: cni-doctor rollback ${runId}`,
    );

    const strict = await runCli(["rollback", runId, ...target], {
      ...CLI_ENV,
      CNI_DOCTOR_SELF_APPROVAL: "none",
    });
    expect(strict.code, strict.out + strict.err).toBe(4);
    expect(strict.out).toMatch(/may not restore nodes alone: the policy wants a second approver/);
    const healed = await runCli(["rollback", runId, "--node", "k8s-worker1", ...target], CLI_ENV);
    expect(healed.code).toBe(4);
    expect(healed.out).toContain(
      `Run ${runId} healed k8s-worker1; restoring would bring back the files that broke it.`,
    );

    const restored = await runCli(["rollback", runId, ...target], CLI_ENV);
    expect(restored.code, restored.out + restored.err).toBe(0);
    expect(restored.out).toMatch(
      /k8s-worker2: Restored 10-calico.conflist, calico-kubeconfig in \/etc\/cni\/net.d on k8s-worker2, byte-identical/,
    );
    expect(snapshotTree(join(h.sim.nodeRoot("k8s-worker2"), CONF))).toEqual(before);
    expect(journal(h)[0]?.rollbacks.map((rb) => [rb.node, rb.ok])).toEqual([["k8s-worker2", true]]);

    const again = await runCli(["runs", "--json", "--kubeconfig", h.kubeconfigPath], CLI_ENV);
    const run = (JSON.parse(again.out) as { runs: Array<{ id: string; restoreCommand: string | null }> })
      .runs[0];
    expect(run).toMatchObject({ id: runId, restoreCommand: null });
    const twice = await runCli(["rollback", runId, ...target], CLI_ENV);
    expect(twice.code).toBe(0);
    expect(twice.out).toContain("left no files moved");
  }, 120_000);
});
