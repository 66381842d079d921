/**
 * Replays and repeated clicks, through Bolt's HTTPReceiver with real request signing: a correctly signed `/cni fix`
 * sent again within Slack's 5-minute window (same body, same signature) is acked but posts no second plan; Dry run
 * re-diagnoses the cluster, so one run gets one per minute and a second click is told when it may try again. The
 * command is claimed in the cluster too, so a replay reaching another process (a restart, the other replica) is dropped.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sendSignedRequest } from "../../src/sim/slack/index.ts";
import { ACTIONS } from "../../src/slack/blocks/plan.ts";
import {
  allText,
  CHANNEL,
  deliveryOf,
  eventually,
  SECRETS,
  type SlackWorld,
  startSlackWorld,
  threadOf,
  USERS,
} from "../support/slack-harness.ts";

describe("replayed commands and repeated dry runs (HTTP mode)", () => {
  let world: SlackWorld;
  let url: string;
  beforeAll(async () => {
    world = await startSlackWorld({ scenario: "stale-cni-config", mode: "http", syncPeriodMs: 1000 });
    url = world.bot.eventsUrl as string;
  }, 60_000);
  afterAll(async () => world?.stop());

  const form = (text: string, triggerId: string) => ({
    form: {
      command: "/cni",
      text,
      user_id: USERS.requester.id,
      channel_id: CHANNEL,
      team_id: world.slack.workspace.teamId,
      api_app_id: world.slack.workspace.appId,
      response_url: "https://hooks.slack.com/commands/T/1/x",
      trigger_id: triggerId,
    },
  });
  const plans = () =>
    world.slack.workspace.messages.filter((m) => JSON.stringify(m.blocks ?? []).includes(ACTIONS.approve));
  const parents = () =>
    world.slack.workspace.messages.filter((m) => !m.threadTs && m.user === world.slack.workspace.botUserId);

  it("a signed /cni fix replayed within the window posts one plan, not two", async () => {
    const ts = Math.floor(Date.now() / 1000);
    const fix = form("fix", "13345224609.738474920.8088930838d88f008e0");
    const first = await sendSignedRequest(url, SECRETS.signingSecret, fix, { timestamp: ts });
    const replayed = await sendSignedRequest(url, SECRETS.signingSecret, fix, { timestamp: ts });
    expect([first.status, replayed.status]).toEqual([200, 200]);
    await eventually("the plan", () => plans()[0]);
    // A distinct command afterwards, finished: the replay had every chance to post before it.
    await sendSignedRequest(url, SECRETS.signingSecret, form("diagnose", "13345224609.738474920.second"));
    await eventually("the second command's diagnosis", () =>
      parents().length >= 2 &&
      world.slack.workspace.messages.filter((m) => allText(m).includes("*Diagnosis*")).length >= 2
        ? true
        : undefined,
    );
    expect(plans()).toHaveLength(1);
    expect(parents()).toHaveLength(2);
    expect(world.logLines.some((l) => l.includes("slash command replayed"))).toBe(true);
  }, 60_000);

  it("a second Dry run of the same run within a minute is refused, saying when it may start", async () => {
    const plan = plans()[0];
    if (!plan) throw new Error("no plan");
    const threadTs = plan.threadTs as string;
    const dryRuns = () => threadOf(world, threadTs).filter((m) => m.text.includes("dry run"));
    await world.slack.clickButton(
      { user: USERS.outsider.id, message: structuredClone(plan), actionId: ACTIONS.dryRun },
      deliveryOf(world),
    );
    await eventually("the dry run", () => dryRuns()[0]);
    const ephemeralsBefore = world.slack.web.callsTo("chat.postEphemeral").length;
    await world.slack.clickButton(
      { user: USERS.requester.id, message: structuredClone(plan), actionId: ACTIONS.dryRun },
      deliveryOf(world),
    );
    const refusal = await eventually(
      "the refusal",
      () => world.slack.web.callsTo("chat.postEphemeral").slice(ephemeralsBefore)[0],
    );
    expect(JSON.stringify(refusal.args)).toMatch(/less than a minute ago .*the next may start in \d+s/);
    expect(dryRuns()).toHaveLength(1);
  }, 60_000);

  it("replayed to another process (a restart, or the other replica), the command is still dropped", async () => {
    // The first test's /cni fix, signed again inside the window, sent to a new bot process that never saw it: the
    // claim in the cluster (ConfigMap cni-doctor-requests) tells it the request was answered.
    await world.restartBot();
    const fresh = world.bot.eventsUrl as string;
    const fix = form("fix", "13345224609.738474920.8088930838d88f008e0");
    const before = { plans: plans().length, parents: parents().length, logs: world.logLines.length };
    const replayed = await sendSignedRequest(fresh, SECRETS.signingSecret, fix);
    expect(replayed.status).toBe(200);
    await sendSignedRequest(fresh, SECRETS.signingSecret, form("diagnose", "13345224609.738474920.third"));
    await eventually("the third command's diagnosis", () =>
      parents().length > before.parents ? true : undefined,
    );
    await eventually("the replay to be dropped", () =>
      world.logLines.slice(before.logs).some((l) => l.includes("request already taken")) ? true : undefined,
    );
    expect(plans()).toHaveLength(before.plans);
    expect(parents()).toHaveLength(before.parents + 1);
  }, 60_000);
});
