/**
 * The bot killed mid-run (`cni-doctor serve` as a real process, SIGKILL while the agent restart step waits) and
 * started again: the thread says the run was interrupted, where it stopped and where the backup is; the node it was
 * working on has its files fully moved into the backup (the other is untouched); the restarted bot never runs the
 * run again, not even when the old plan's Approve button is clicked; no pod got two DELETEs.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ACTIONS } from "../../src/slack/blocks/plan.ts";
import {
  CONF,
  deletedTwice,
  filesVerdict,
  findSecrets,
  journalRecord,
  recordApiRequests,
  recordExecutions,
  simSecrets,
} from "../support/fault-records.ts";
import { worldForServe } from "../support/serve-process.ts";
import { snapshotTree } from "../support/sim-harness.ts";
import {
  allText,
  approveFixUntilAgentRestart,
  CHANNEL,
  eventually,
  everythingCaptured,
  leaseLapsed,
  sandboxFailuresReported,
  threadOf,
  USERS,
} from "../support/slack-harness.ts";

const NODES = ["k8s-worker1", "k8s-worker2"];

describe("the bot killed mid-run and restarted", () => {
  let api: ReturnType<typeof recordApiRequests>;
  let journal: ReturnType<typeof recordExecutions>;
  // Kubelets that do not sync again within the test: the restarted agent stays Pending, the window to kill in.
  const served = worldForServe({
    syncPeriodMs: 600_000,
    also: (world) => {
      api = recordApiRequests(world.sim);
      journal = recordExecutions(world.sim);
    },
    cleanup: () => journal?.stop(),
  });

  it("reports the interrupted run, leaves the node fully moved, and never runs it again", async () => {
    const { world } = served;
    const { slack } = world;
    const serve = served.startServe();
    await serve.connected();
    await sandboxFailuresReported(world);
    const before = Object.fromEntries(NODES.map((n) => [n, snapshotTree(join(world.sim.nodeRoot(n), CONF))]));
    const { plan: planAsShown, threadTs } = await approveFixUntilAgentRestart(world);
    await serve.killHard();
    await leaseLapsed(world);

    const bot = await world.restartBot();
    expect(await bot.interruptedReported).toBe(1);
    await slack.socket.waitForConnections(1);
    const report = await eventually("the interrupted report", () =>
      threadOf(world, threadTs).find((m) => m.text.includes("was interrupted")),
    );
    const runs = [...journal.executions];
    expect(runs).toHaveLength(1);
    const [runId, executions] = runs[0] as [string, number];
    expect(executions).toBe(1);
    const record = journalRecord(world.sim, runId);
    expect(record.state).toBe("interrupted");
    const q = record.plan.steps.find((s) => s.kind === "quarantine-cni-config" && s.node === "k8s-worker1")
      ?.quarantine as { backupDir: string; files: string[] };
    expect(allText(report)).toContain("restart-cni-agent");
    expect(allText(report)).toContain(q.backupDir);

    // worker1: the quarantine finished before the kill, so its files are all in the backup; worker2 untouched.
    expect(
      filesVerdict(before["k8s-worker1"] ?? {}, world.sim.nodeRoot("k8s-worker1"), q.backupDir, q.files),
    ).toEqual({
      state: "moved",
    });
    expect(snapshotTree(join(world.sim.nodeRoot("k8s-worker2"), CONF))).toEqual(before["k8s-worker2"]);

    // The old plan's Approve, clicked on a stale client after the restart, is refused; nothing runs again.
    const ephemerals = slack.workspace.ephemerals.length;
    const mark = api.mark();
    await slack.clickButton(
      { user: USERS.approver.id, message: planAsShown, actionId: ACTIONS.approve },
      { mode: "socket" },
    );
    const refusal = await eventually("the refusal", () =>
      slack.workspace.ephemerals.slice(ephemerals).find((e) => e.user === USERS.approver.id),
    );
    expect(refusal.text).toMatch(/interrupted|runs at most once|no longer|already/i);
    expect(journal.executions.get(runId)).toBe(1);
    expect(api.podDeletes(mark).size).toBe(0);
    expect(deletedTwice(api.podDeletes())).toEqual([]);

    // A diagnosis after the restart names the run that left worker1's files moved, and the restore command.
    await slack.slashCommand(
      { user: USERS.requester.id, channel: CHANNEL, text: "diagnose" },
      { mode: "socket" },
    );
    const halfDone = await eventually("the half-done notice", () =>
      slack.workspace.messages.find((m) => m.text.includes("left CNI files moved aside")),
    );
    expect(allText(halfDone)).toContain(
      `Run \`${runId}\` (interrupted) left CNI files moved aside on \`k8s-worker1\` (kept in \`${q.backupDir}\`)`,
    );
    expect(allText(halfDone)).toContain(`\`cni-doctor rollback ${runId}\``);

    const captured = `${everythingCaptured(world)}\n${serve.output}`;
    expect(findSecrets(captured, [...world.secrets(), ...simSecrets(world.sim, [world.dir])])).toEqual([]);
  }, 90_000);
});
