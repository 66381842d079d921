/**
 * What goes wrong in real workspaces, through Socket Mode: Slack asks the app to reconnect; chat.update is
 * rate-limited (Retry-After honoured, the message still ends right); chat.postMessage fails with a 5xx after Slack
 * actually posted (no duplicate); a plan expires (its message says so, a late click is refused).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ACTIONS } from "../../src/slack/blocks/plan.ts";
import {
  allText,
  CHANNEL,
  deliveryOf,
  eventually,
  type SlackWorld,
  sandboxFailuresReported,
  startSlackWorld,
  threadOf,
  USERS,
} from "../support/slack-harness.ts";

describe("Socket Mode resilience", () => {
  let world: SlackWorld;
  beforeAll(async () => {
    world = await startSlackWorld({
      scenario: "stale-cni-config",
      mode: "socket",
      syncPeriodMs: 1000,
      env: { CNI_DOCTOR_APPROVAL_TTL_SECONDS: "6" },
    });
    await world.slack.socket.waitForConnections(1);
  }, 60_000);
  afterAll(async () => world?.stop());

  it("reconnects when Slack asks it to, and keeps serving on the new connection", async () => {
    const { socket } = world.slack;
    const opened = socket.connectionsOpened;
    socket.requestReconnect("refresh_requested");
    await eventually("a new connection", () =>
      socket.connectionsOpened > opened && socket.connections === 1 ? true : undefined,
    );
    const ack = await world.slack.slashCommand(
      { user: USERS.requester.id, channel: CHANNEL, text: "help" },
      deliveryOf(world),
    );
    expect(String(ack.ack?.payload?.text)).toContain("Usage: /cni");
    // apps.connections.open was called with the app-level token each time; never with the bot token.
    const opens = world.slack.web.callsTo("apps.connections.open");
    expect(opens.length).toBeGreaterThanOrEqual(2);
    expect(opens.every((c) => c.auth === "app")).toBe(true);
  });

  it("waits out a 429 on chat.update and a 5xx-after-posting on chat.postMessage without duplicate messages", async () => {
    const { slack } = world;
    await sandboxFailuresReported(world);
    slack.web.inject({ method: "chat.update", kind: "ratelimited", retryAfter: 1, times: 1 });
    // The summary post is applied by Slack but answered with a 503: a naive retry would post it twice.
    slack.web.inject({ method: "chat.postMessage", kind: "server-error-after-applying", times: 1 });
    const before = slack.workspace.messages.length;
    await slack.slashCommand(
      { user: USERS.requester.id, channel: CHANNEL, text: "diagnose" },
      deliveryOf(world),
    );
    const parent = await eventually("the updated parent message", () =>
      slack.workspace.messages
        .slice(before)
        .find((m) => !m.threadTs && m.user === slack.workspace.botUserId && m.edited),
    );
    expect(allText(parent)).toContain("stale-cni-config");
    const limited = slack.web.calls.filter((c) => c.method === "chat.update" && c.fault === "ratelimited");
    expect(limited.length).toBe(1);
    expect(
      slack.web.calls.some((c) => c.method === "chat.update" && c.status === 200 && c.args.ts === parent.ts),
    ).toBe(true);
    // The parent was posted once (the 5xx hit it), and found again through its metadata instead of re-posted.
    const parents = slack.workspace.messages
      .slice(before)
      .filter((m) => !m.threadTs && m.user === slack.workspace.botUserId);
    expect(parents.length).toBe(1);
    expect(slack.web.callsTo("conversations.history").length).toBeGreaterThan(0);
    const keys = threadOf(world, parent.ts)
      .map((m) => m.metadata?.event_payload.key)
      .filter(Boolean);
    expect(new Set(keys).size).toBe(keys.length);
    expect(world.logLines.some((l) => l.includes("Slack call retried"))).toBe(true);
  }, 60_000);

  it("shows a dry run to anyone, changing nothing, and lets an approver reject", async () => {
    const { slack } = world;
    const before = slack.workspace.messages.length;
    await slack.slashCommand({ user: USERS.requester.id, channel: CHANNEL, text: "fix" }, deliveryOf(world));
    const plan = await eventually("a plan", () =>
      slack.workspace.messages
        .slice(before)
        .find((m) => JSON.stringify(m.blocks ?? []).includes(ACTIONS.approve)),
    );
    const threadTs = plan.threadTs as string;
    const agentPodsBefore = world.sim.store
      .list("pods", "calico-system")
      .map((p) => p.metadata.uid)
      .sort();
    await slack.clickButton(
      { user: USERS.outsider.id, message: structuredClone(plan), actionId: ACTIONS.dryRun },
      deliveryOf(world),
    );
    const dry = await eventually("the dry run", () =>
      threadOf(world, threadTs).find((m) => m.text.includes("dry run")),
    );
    expect(allText(dry)).toMatch(/mv -n -t/);
    expect(
      world.sim.store
        .list("pods", "calico-system")
        .map((p) => p.metadata.uid)
        .sort(),
    ).toEqual(agentPodsBefore);

    await slack.clickButton(
      { user: USERS.approver.id, message: structuredClone(plan), actionId: ACTIONS.reject },
      deliveryOf(world),
    );
    const rejected = await eventually("the plan marked rejected", () => {
      const m = slack.workspace.find(CHANNEL, plan.ts);
      return m && allText(m).includes("Rejected") ? m : undefined;
    });
    expect(allText(rejected)).toContain(`<@${USERS.approver.id}>`);
    expect(JSON.stringify(rejected.blocks)).not.toContain(ACTIONS.approve);
  }, 60_000);

  it("keeps /cni pause and resume to approvers, and shows the switch in /cni status", async () => {
    const { slack } = world;
    const ephemerals = slack.workspace.ephemerals.length;
    await slack.slashCommand({ user: USERS.outsider.id, channel: CHANNEL, text: "pause" }, deliveryOf(world));
    const refused = await eventually("the refusal", () =>
      slack.workspace.ephemerals.slice(ephemerals).find((e) => e.user === USERS.outsider.id),
    );
    expect(refused.text).toContain("only approvers may pause");
    await slack.slashCommand({ user: USERS.approver.id, channel: CHANNEL, text: "pause" }, deliveryOf(world));
    await eventually("the pause notice", () =>
      slack.workspace.messages.find((m) => m.text.includes("are paused by")),
    );
    await slack.slashCommand(
      { user: USERS.requester.id, channel: CHANNEL, text: "status" },
      deliveryOf(world),
    );
    const status = await eventually("the status", () =>
      slack.workspace.ephemerals.find((e) => e.text.startsWith("cni-doctor status")),
    );
    expect(JSON.stringify(status.blocks)).toContain("*paused*");
    expect(JSON.stringify(status.blocks)).toContain("rejected");
    await slack.slashCommand(
      { user: USERS.approver.id, channel: CHANNEL, text: "resume" },
      deliveryOf(world),
    );
    await eventually("the resume notice", () =>
      slack.workspace.messages.find((m) => m.text.includes("allowed again")),
    );
  }, 60_000);

  it("marks an expired plan as expired and refuses a late click", async () => {
    const { slack } = world;
    const before = slack.workspace.messages.length;
    await slack.slashCommand({ user: USERS.requester.id, channel: CHANNEL, text: "fix" }, deliveryOf(world));
    const plan = await eventually("a plan", () =>
      slack.workspace.messages
        .slice(before)
        .find((m) => JSON.stringify(m.blocks ?? []).includes(ACTIONS.approve)),
    );
    const asFirstShown = structuredClone(plan);
    // The TTL is 6 s: the plan message is updated to say it expired, and loses its buttons.
    const expired = await eventually("the plan marked expired", () => {
      const m = slack.workspace.find(CHANNEL, plan.ts);
      return m && allText(m).includes("Expired") ? m : undefined;
    });
    expect(JSON.stringify(expired.blocks)).not.toContain(ACTIONS.approve);
    const ephemeralsBefore = slack.workspace.ephemerals.length;
    // A click on the old message (a client showing it stale) is refused by the service at click time.
    await slack.clickButton(
      { user: USERS.approver.id, message: asFirstShown, actionId: ACTIONS.approve },
      deliveryOf(world),
    );
    const refusal = await eventually("the refusal", () =>
      slack.workspace.ephemerals.slice(ephemeralsBefore).find((e) => e.user === USERS.approver.id),
    );
    expect(refusal.text.toLowerCase(), refusal.text).toMatch(/expired|no longer|window closed/);
    expect(slack.web.violations).toEqual([]);
  }, 60_000);
});
