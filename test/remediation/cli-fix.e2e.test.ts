/**
 * The CLI end to end: `npx cni-doctor fix --yes` heals the two incident clusters as the reports did; a run whose
 * process is killed mid-step is reported as interrupted by the next start; the rollback case exits non-zero; and a
 * terminal user may not approve their own fix unless the policy says so.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { userInfo } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.ts";
import type { RunRecord } from "../../src/remediation/index.ts";
import { BOT_NAMESPACE, type Harness, startHarness, TEST_ENV } from "../support/sim-harness.ts";

const ROOT = new URL("../..", import.meta.url).pathname;
const me = userInfo().username;
const CLI_ENV = {
  ...TEST_ENV,
  CNI_DOCTOR_APPROVERS: `cli:${me}`,
  CNI_DOCTOR_SELF_APPROVAL: "cli",
  NO_COLOR: "1",
};

function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("CNI_DOCTOR_")));
  return { ...env, ...extra };
}

function npx(
  args: string[],
  env: Record<string, string>,
): { child: ChildProcess; done: Promise<{ code: number | null; out: string; err: string }> } {
  // Its own process group, so a SIGKILL reaches node behind npx too.
  const child = spawn("npx", ["cni-doctor", ...args], {
    cwd: ROOT,
    env: cleanEnv(env),
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout?.on("data", (d) => (out += d));
  child.stderr?.on("data", (d) => (err += d));
  const done = new Promise<{ code: number | null; out: string; err: string }>((resolve) =>
    child.on("close", (code) => resolve({ code, out, err })),
  );
  return { child, done };
}

async function cli(argv: string[], env: Record<string, string>, stdinText = "") {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = "";
  let err = "";
  stdout.on("data", (d) => (out += d));
  stderr.on("data", (d) => (err += d));
  const stdin = new PassThrough();
  stdin.end(stdinText);
  const code = await main(argv, { stdout, stderr, stdin, env });
  return { code, out, err };
}

const target = (h: Harness) => ["--kubeconfig", h.kubeconfigPath, "--nodes-file", h.nodesFile];

let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

async function waitForStuck(harness: Harness, nodes: number) {
  await harness.diagnoseUntil(
    (d) =>
      d.findings.flatMap((f) => f.nodes).length === nodes &&
      d.findings.every((f) => f.evidence.nodes.every((n) => n.inspection)),
  );
}

describe("cni-doctor fix", () => {
  it.each([
    { scenario: "stale-cni-config", nodes: 2 },
    { scenario: "expired-token", nodes: 1 },
  ])(
    "`npx cni-doctor fix --yes` heals $scenario",
    async ({ scenario, nodes }) => {
      h = await startHarness(scenario);
      await waitForStuck(h, nodes);
      const { done } = npx(["fix", "--yes", ...target(h)], CLI_ENV);
      const r = await done;
      expect(r.code, `${r.out}\n${r.err}`).toBe(0);
      expect(r.out).toMatch(/Result: succeeded/);
      expect(r.out).toMatch(/✓ Service endpoints ready: endpoints default\/redis-master: \S+, \S+/);
      expect(r.out).toMatch(/✓ fresh diagnosis: healthy/);
      expect(r.err).toMatch(/"msg":"remediation run started"/);
      const again = await cli(["diagnose", ...target(h)], {});
      expect(again.code, again.out).toBe(0);
    },
    60_000,
  );

  it("writes its JSON audit lines to CNI_DOCTOR_AUDIT_LOG when set, and says where", async () => {
    h = await startHarness("expired-token");
    await waitForStuck(h, 1);
    const auditLog = join(h.dir, "audit", "audit.log");
    const r = await cli(["fix", "--yes", ...target(h)], { ...CLI_ENV, CNI_DOCTOR_AUDIT_LOG: auditLog });
    expect(r.code, `${r.out}\n${r.err}`).toBe(0);
    expect(r.err).toContain(`(audit log: ${auditLog})`);
    expect(r.err).not.toMatch(/"msg":"remediation run started"/);
    const lines = readFileSync(auditLog, "utf8").trim().split("\n");
    expect(lines.map((l) => JSON.parse(l).msg)).toContain("remediation run started");
  }, 60_000);

  it("a run killed mid-step is reported as interrupted by the next start", async () => {
    h = await startHarness("agent-wont-start");
    await waitForStuck(h, 2);
    const sim = h.sim;
    const { child, done } = npx(["fix", "--yes", ...target(h)], {
      ...CLI_ENV,
      CNI_DOCTOR_AGENT_READY_TIMEOUT_MS: "60000",
    });
    // Kill it while it waits for worker2's agent (which never comes back).
    let killedDuring: string | undefined;
    for (let i = 0; i < 200 && !killedDuring; i++) {
      const runs = sim.store
        .list("configmaps", BOT_NAMESPACE)
        .filter((c) => c.metadata.name.startsWith("cni-doctor-run-"));
      const record = runs.map(
        (c) => JSON.parse((c as unknown as { data: { "run.json": string } }).data["run.json"]) as RunRecord,
      )[0];
      const step = record?.steps.find(
        (s) => s.status === "running" && s.kind === "restart-cni-agent" && s.node === "k8s-worker2",
      );
      if (step) {
        process.kill(-(child.pid as number), "SIGKILL");
        killedDuring = `${step.kind} on ${step.node}`;
      } else await new Promise((r) => setTimeout(r, 100));
    }
    expect(killedDuring).toBeDefined();
    await done;
    // The next start finds it: its lease lapses after CNI_DOCTOR_LEASE_SECONDS (2 s here).
    let listed = { code: 0, out: "", err: "" };
    for (let i = 0; i < 40; i++) {
      listed = await cli(["runs", "--kubeconfig", h.kubeconfigPath], CLI_ENV);
      if (/interrupted/.test(listed.out)) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(listed.out).toMatch(/ interrupted — nodes k8s-worker1, k8s-worker2/);
    expect(listed.out).toMatch(/last step 4\. restart-cni-agent on k8s-worker2 \(running\)/);
    expect(listed.out).toMatch(/backup on k8s-worker2: \/var\/lib\/cni-doctor\/backup\//);
  }, 60_000);

  it("rolls back k8s-worker2 on agent-wont-start, says why, and exits non-zero", async () => {
    h = await startHarness("agent-wont-start");
    await waitForStuck(h, 2);
    const r = await cli(["fix", "--yes", ...target(h)], CLI_ENV);
    expect(r.code, r.out + r.err).toBe(1);
    expect(r.out).toMatch(/rollback on k8s-worker2: Restored 10-calico.conflist, calico-kubeconfig/);
    expect(r.out).toMatch(
      /Result: rolled-back: restart-cni-agent on k8s-worker2 failed: calico-node on k8s-worker2 did not come back Ready in time/,
    );
  }, 60_000);

  it("does not let the terminal user approve their own fix under the two-person rule; the prompt wants the context name", async () => {
    h = await startHarness("expired-token");
    await waitForStuck(h, 1);
    const strict = await cli(["fix", "--yes", ...target(h)], {
      ...CLI_ENV,
      CNI_DOCTOR_SELF_APPROVAL: "none",
    });
    expect(strict.code).toBe(4);
    expect(strict.out).toMatch(/may not approve it too: the two-person rule/);
    const typo = await cli(["fix", ...target(h)], CLI_ENV, "wrong-cluster\n");
    expect(typo.code).toBe(4);
    expect(typo.out).toMatch(/Not approved/);
    const runs = await cli(["runs", "--json", "--kubeconfig", h.kubeconfigPath], CLI_ENV);
    const states = (JSON.parse(runs.out) as { runs: Array<{ state: string }> }).runs
      .map((r) => r.state)
      .sort();
    expect(states).toEqual(["pending", "rejected"]);
    const dry = await cli(["fix", "--dry-run", ...target(h)], CLI_ENV);
    expect(dry.code).toBe(0);
    expect(dry.out).toMatch(/restart-cni-agent on k8s-worker2/);
    expect(dry.out).toMatch(/Dry run: nothing was changed/);
    const typed = await cli(["fix", ...target(h)], CLI_ENV, "sim-expired-token\n");
    expect(typed.code, typed.out + typed.err).toBe(0);
  }, 60_000);
});

describe("cni-doctor fix under the two-person rule, and cni-doctor approve", () => {
  it("checks the policy before prompting, says how a second person approves, and `approve RUN` runs it", async () => {
    h = await startHarness("expired-token");
    await waitForStuck(h, 1);
    const strict = { ...CLI_ENV, CNI_DOCTOR_SELF_APPROVAL: "none" };
    // No --yes and nothing on stdin: before the policy check came first, this prompted and read an empty answer.
    const asked = await cli(["fix", ...target(h)], strict, "");
    expect(asked.code, asked.out + asked.err).toBe(4);
    expect(asked.out).not.toContain("Type the cluster's context name");
    expect(asked.out).toMatch(
      /cli:\S+ asked for this fix and may not approve it too: the two-person rule needs another approver \(CNI_DOCTOR_SELF_APPROVAL=none; cli would allow it\)/,
    );
    const runId =
      /Another approver approves it with `cni-doctor approve (\S+)` at a terminal, or with the run's Approve button in Slack \(`\/cni status` lists pending runs\)/.exec(
        asked.out,
      )?.[1];
    expect(runId).toBeDefined();
    const notListed = await cli(["fix", ...target(h)], { ...strict, CNI_DOCTOR_APPROVERS: "U-ALICE" }, "");
    expect(notListed.code).toBe(4);
    expect(notListed.out).toMatch(
      /cli:\S+ is not an approver, so an approval given here would not count \(add cli:\S+ to CNI_DOCTOR_APPROVERS/,
    );

    // The same person cannot approve their own run at another terminal either.
    const own = await cli(["approve", runId as string, "--yes", ...target(h)], strict);
    expect(own.code).toBe(4);
    expect(own.out).toMatch(/may not approve it too/);

    // A run asked for in Slack, approved at the terminal by a second person: it runs here.
    const service = await h.service();
    const { run } = await service.propose(await h.diagnose(), {
      requestedBy: { id: "U-ALICE", via: "slack" },
    });
    const approved = await cli(["approve", run.id, "--yes", ...target(h)], strict);
    expect(approved.code, approved.out + approved.err).toBe(0);
    expect(approved.out).toMatch(/Result: succeeded/);
  }, 90_000);
});
