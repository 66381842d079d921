/**
 * Slack failing during a repair driven from Slack (Socket Mode, the bot as `cni-doctor serve` runs it): 429s with
 * Retry-After on chat.update and chat.postMessage, a 5xx on chat.update, and 5xx answers after Slack actually posted.
 * The repair carries on regardless; the thread ends with the outcome exactly once per message (no duplicates);
 * the nodes' files are fully moved (healed); no pod got two DELETEs; the run ran once; the bot keeps serving.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { StoredMessage } from "../../src/sim/slack/index.ts";
import { ACTIONS } from "../../src/slack/blocks/plan.ts";
import {
  CONF,
  deletedTwice,
  filesVerdict,
  findSecrets,
  journalRecord,
  simSecrets,
  watchedWorld,
} from "../support/fault-records.ts";
import { snapshotTree } from "../support/sim-harness.ts";
import {
  allText,
  CHANNEL,
  deliveryOf,
  eventually,
  everythingCaptured,
  sandboxFailuresReported,
  startSlackWorld,
  threadOf,
  USERS,
} from "../support/slack-harness.ts";

const NODES = ["k8s-worker1", "k8s-worker2"];

describe("Slack faults during a repair", () => {
  const watched = watchedWorld(async () => {
    const world = await startSlackWorld({ scenario: "stale-cni-config", mode: "socket", syncPeriodMs: 300 });
    await world.slack.socket.waitForConnections(1);
    return world;
  }, 60_000);
  /** The plan message as first shown, buttons and all (what a stale client still shows). */
  let planAsShown: StoredMessage | undefined;

  it("429s and 5xx on every kind of post: the repair finishes, the thread tells it once, the bot keeps serving", async () => {
    const { world, api, journal } = watched;
    const { slack } = world;
    const to = deliveryOf(world);
    await sandboxFailuresReported(world);
    await slack.slashCommand({ user: USERS.requester.id, channel: CHANNEL, text: "fix" }, to);
    const plan = await eventually("the plan", () =>
      slack.workspace.messages.find((m) => JSON.stringify(m.blocks ?? []).includes(ACTIONS.approve)),
    );
    const threadTs = plan.threadTs as string;
    planAsShown = structuredClone(plan);
    const before = Object.fromEntries(NODES.map((n) => [n, snapshotTree(join(world.sim.nodeRoot(n), CONF))]));

    // From the approval on, Slack misbehaves on the posts that carry the run's progress and outcome.
    const callsBefore = slack.web.calls.length;
    slack.web.inject({ method: "chat.update", kind: "ratelimited", retryAfter: 1, times: 2 });
    slack.web.inject({ method: "chat.update", kind: "server-error", times: 1 });
    slack.web.inject({ method: "chat.postMessage", kind: "ratelimited", retryAfter: 1, times: 1 });
    slack.web.inject({ method: "chat.postMessage", kind: "server-error-after-applying", times: 1 });
    await slack.clickButton(
      { user: USERS.approver.id, message: structuredClone(plan), actionId: ACTIONS.approve },
      to,
    );
    const summary = await eventually(
      "the final summary",
      () =>
        threadOf(world, threadTs).find(
          (m) => m.text.includes("fix succeeded") || m.text.includes("fix failed"),
        ),
      600,
    );
    const story = threadOf(world, threadTs).map(allText).join("\n---\n");
    expect(summary.text, story).toContain("fix succeeded");

    // Every injected fault was actually met.
    const faulted = slack.web.calls.slice(callsBefore).filter((c) => c.fault);
    expect(faulted.map((c) => `${c.method}:${c.fault}`).sort()).toEqual(
      [
        "chat.postMessage:ratelimited",
        "chat.postMessage:server-error-after-applying",
        "chat.update:ratelimited",
        "chat.update:ratelimited",
        "chat.update:server-error",
      ].sort(),
    );
    // No message twice: each keyed post is in the thread once, one summary; healed nodes show in the progress
    // message, with no reply of their own.
    const keys = threadOf(world, threadTs)
      .map((m) => m.metadata?.event_payload.key)
      .filter(Boolean);
    expect(new Set(keys).size).toBe(keys.length);
    expect(threadOf(world, threadTs).filter((m) => m.text.includes("fix succeeded"))).toHaveLength(1);
    expect(
      threadOf(world, threadTs)
        .filter((m) => m.text.startsWith("Node "))
        .map((m) => m.text)
        .sort(),
    ).toEqual([]);

    // The nodes: files fully moved into the backup, byte for byte.
    const runs = [...journal.executions];
    expect(runs).toHaveLength(1);
    const runId = runs[0]?.[0] as string;
    expect(runs[0]?.[1]).toBe(1);
    const record = journalRecord(world.sim, runId);
    expect(record.state).toBe("succeeded");
    for (const n of NODES) {
      const q = record.plan.steps.find((s) => s.kind === "quarantine-cni-config" && s.node === n)?.quarantine;
      expect(q, n).toBeDefined();
      if (q)
        expect(filesVerdict(before[n] ?? {}, world.sim.nodeRoot(n), q.backupDir, q.files)).toEqual({
          state: "moved",
        });
    }
    expect(deletedTwice(api.podDeletes())).toEqual([]);

    // Slack's retry log lines name the retried calls; the bot answers as before.
    expect(world.logLines.some((l) => l.includes("Slack call retried"))).toBe(true);
    const ack = await slack.slashCommand({ user: USERS.requester.id, channel: CHANNEL, text: "help" }, to);
    expect(String(ack.ack?.payload?.text)).toContain("Usage: /cni");
    expect(slack.web.violations).toEqual([]);
  }, 90_000);

  it("a click on the finished plan does not run it again", async () => {
    const { world, api, journal } = watched;
    const { slack } = world;
    expect(planAsShown).toBeDefined();
    if (!planAsShown) return;
    const ephemerals = slack.workspace.ephemerals.length;
    const deletes = api.mark();
    await slack.clickButton(
      { user: USERS.approver.id, message: structuredClone(planAsShown), actionId: ACTIONS.approve },
      deliveryOf(world),
    );
    const refusal = await eventually("the refusal", () =>
      slack.workspace.ephemerals.slice(ephemerals).find((e) => e.user === USERS.approver.id),
    );
    expect(refusal.text).toMatch(/runs at most once|already|no longer/i);
    expect([...journal.executions.values()]).toEqual([1]);
    expect(api.podDeletes(deletes).size).toBe(0);
  }, 30_000);

  it("leaks no secret in any Slack payload or log line", () => {
    const { world } = watched;
    const text = everythingCaptured(world);
    expect(world.logLines.length).toBeGreaterThan(0);
    expect(findSecrets(text, [...world.secrets(), ...simSecrets(world.sim, [world.dir])])).toEqual([]);
  });
});
