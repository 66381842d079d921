/**
 * The first incident's story in Slack's protocol (Socket Mode): `/cni fix` in the channel starts a thread with the
 * findings and a plan; an outsider's click and the requester's own click are refused (ephemeral, logged); the
 * approver approves (a double click runs once); progress is shown in one updated message plus a reply per node; and
 * the simulated cluster is healed over SSH: pods Running, endpoints filled.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkMessagePayload } from "../../src/sim/slack/index.ts";
import { ACTIONS } from "../../src/slack/blocks/plan.ts";
import { findSecrets, simSecrets } from "../support/fault-records.ts";
import {
  allText,
  CHANNEL,
  deliveryOf,
  eventually,
  everythingCaptured,
  type SlackWorld,
  sandboxFailuresReported,
  startSlackWorld,
  threadOf,
  USERS,
} from "../support/slack-harness.ts";

describe("Socket Mode: /cni fix heals stale-cni-config", () => {
  let world: SlackWorld;
  beforeAll(async () => {
    world = await startSlackWorld({ scenario: "stale-cni-config", mode: "socket", syncPeriodMs: 1000 });
    await world.slack.socket.waitForConnections(1);
  }, 60_000);
  afterAll(async () => world?.stop());

  it("tells the story in the thread and heals the cluster", async () => {
    const { slack } = world;
    const to = deliveryOf(world);
    // The sim's kubelets need a moment to report the sandbox failures; wait for them cluster-side first.
    await sandboxFailuresReported(world);
    const ack = await slack.slashCommand({ user: USERS.requester.id, channel: CHANNEL, text: "fix" }, to);
    expect(ack.ack?.payload ?? {}).toEqual({});

    const parent = await eventually("the parent message", () =>
      slack.workspace.messages.find(
        (m) => m.channel === CHANNEL && !m.threadTs && m.user === slack.workspace.botUserId,
      ),
    );
    const plan = await eventually("the plan message", () =>
      threadOf(world, parent.ts).find((m) => JSON.stringify(m.blocks ?? []).includes(ACTIONS.approve)),
    );
    const thread = threadOf(world, parent.ts);
    const story = thread.map(allText).join("\n");
    expect(story).toContain("stale-cni-config");
    expect(story).toContain("k8s-worker1");
    expect(story).toContain("k8s-worker2");
    // Every message names the cluster: context, API server, short CA fingerprint.
    for (const m of thread.filter((x) => x.user === slack.workspace.botUserId)) {
      expect(allText(m)).toContain(world.sim.caFingerprint.slice(0, 12));
    }
    // The plan shows a line per node and the blast radius; Show commands posts the exact commands; its buttons carry
    // only the run id.
    expect(allText(plan)).toContain("Blast radius");
    expect(allText(plan)).toContain(
      "`k8s-worker1`: move `10-calico.conflist`, `calico-kubeconfig` aside (kept)",
    );
    await slack.clickButton({ user: USERS.outsider.id, message: plan, actionId: ACTIONS.showCommands }, to);
    const commands = await eventually("the commands", () =>
      threadOf(world, parent.ts).find((m) => m.text.startsWith("Commands of run")),
    );
    expect(allText(commands)).toMatch(/mv -n -t /);
    const buttons = (plan.blocks as { type: string; elements?: { value?: string }[] }[])
      .filter((b) => b.type === "actions")
      .flatMap((b) => b.elements ?? []);
    expect(new Set(buttons.map((b) => b.value)).size).toBe(1);
    expect(buttons[0]?.value).toMatch(/^[a-z0-9-]+$/);

    // An outsider and the requester are refused, each with an ephemeral message, and it is logged.
    await slack.clickButton({ user: USERS.outsider.id, message: plan, actionId: ACTIONS.approve }, to);
    await slack.clickButton({ user: USERS.requester.id, message: plan, actionId: ACTIONS.approve }, to);
    await eventually("two refusals", () => (slack.workspace.ephemerals.length >= 2 ? true : undefined));
    const refusals = slack.workspace.ephemerals;
    expect(refusals.map((e) => e.user).sort()).toEqual([USERS.outsider.id, USERS.requester.id].sort());
    expect(world.logLines.filter((l) => l.includes("click refused")).length).toBeGreaterThanOrEqual(2);
    expect(JSON.stringify(slack.workspace.find(CHANNEL, plan.ts)?.blocks)).toContain(ACTIONS.approve);

    // The approver double-clicks: one run.
    await Promise.all([
      slack.clickButton({ user: USERS.approver.id, message: plan, actionId: ACTIONS.approve }, to),
      slack.clickButton({ user: USERS.approver.id, message: plan, actionId: ACTIONS.approve }, to),
    ]);
    const summary = await eventually(
      "the final summary",
      () =>
        threadOf(world, parent.ts).find(
          (m) => m.text.includes("fix succeeded") || m.text.includes("fix failed"),
        ),
      900,
    );
    expect(summary.text, threadOf(world, parent.ts).map(allText).join("\n---\n")).toContain("fix succeeded");
    const approved = await eventually("the approved plan", () => slack.workspace.find(CHANNEL, plan.ts));
    expect(allText(approved)).toContain("Approved");
    expect(JSON.stringify(approved?.blocks)).not.toContain(ACTIONS.approve);
    const progress = threadOf(world, parent.ts).filter(
      (m) => m.text.startsWith("cni-doctor is fixing") || m.text.includes("run on"),
    );
    expect(progress.length).toBe(1);
    // A healed node shows in the progress message; only a failed node gets a reply of its own.
    expect(threadOf(world, parent.ts).filter((m) => m.text.startsWith("Node "))).toEqual([]);
    await eventually("both nodes' restarts done in the progress message", () => {
      const now = threadOf(world, parent.ts).find((m) => m.ts === progress[0]?.ts);
      const text = now ? allText(now) : "";
      return ["k8s-worker1", "k8s-worker2"].every((n) =>
        new RegExp(`:white_check_mark: \\d+\\. Restart calico-node on ${n}`).test(text),
      )
        ? true
        : undefined;
    });
    expect(allText(summary)).toContain("Verification");

    // The cluster is healed: pods Running, endpoints filled.
    const pods = world.sim.store.list("pods", "default").filter((p) => p.metadata.labels?.app === "redis");
    // The scenario's redis-master has 2 replicas: an empty list must fail, not pass every check below.
    expect(pods).toHaveLength(2);
    for (const p of pods) expect(p.status?.phase).toBe("Running");
    const ep = world.sim.store.get("endpoints", "default", "redis-master") as {
      subsets?: { addresses?: { ip: string }[] }[];
    };
    expect((ep.subsets ?? []).flatMap((s) => s.addresses ?? []).length).toBe(pods.length);

    // Every payload was within Block Kit limits, and nothing secret left the bot.
    expect(slack.web.violations).toEqual([]);
    for (const c of slack.web.calls.filter((c) => c.method.startsWith("chat.")))
      expect(checkMessagePayload(c.args)).toEqual([]);
    const captured = everythingCaptured(world);
    for (const secret of world.secrets()) expect(captured).not.toContain(secret);
    // Nor anything shaped like a secret, nor the cluster's own: calico-kubeconfig tokens, the SSH client key.
    expect(findSecrets(captured, [...world.secrets(), ...simSecrets(world.sim, [world.dir])])).toEqual([]);
  }, 120_000);
});
