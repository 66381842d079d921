/**
 * HTTP mode through Bolt's HTTPReceiver with real request signing: signed requests are served, forged signatures and
 * stale timestamps get 401 and reach no listener; an @mention in an existing incident thread and the "Diagnose CNI"
 * message shortcut answer in that thread; a user-group approver approves and the cluster is healed.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appMentionPayload, sendSignedRequest, signBody } from "../../src/sim/slack/index.ts";
import { ACTIONS } from "../../src/slack/blocks/plan.ts";
import {
  allText,
  CHANNEL,
  deliveryOf,
  eventually,
  everythingCaptured,
  SECRETS,
  type SlackWorld,
  sandboxFailuresReported,
  startSlackWorld,
  threadOf,
  USERS,
} from "../support/slack-harness.ts";

describe("HTTP mode", () => {
  // Each describe block below starts its own world, so one failing flow cannot leave state that fails the next.
  let world: SlackWorld;
  let url: string;
  const startWorld = () => {
    beforeAll(async () => {
      world = await startSlackWorld({ scenario: "stale-cni-config", mode: "http", syncPeriodMs: 1000 });
      url = world.bot.eventsUrl as string;
    }, 60_000);
    afterAll(async () => world?.stop());
  };

  const slashForm = (text: string) => ({
    form: {
      command: "/cni",
      text,
      user_id: USERS.requester.id,
      channel_id: CHANNEL,
      team_id: world.slack.workspace.teamId,
      api_app_id: world.slack.workspace.appId,
      response_url: "https://hooks.slack.com/commands/T/1/x",
      trigger_id: "1.2.3",
    },
  });

  describe("request signing", () => {
    startWorld();

    it("serves a correctly signed request, and answers unknown input with the help text", async () => {
      const help = await sendSignedRequest(url, SECRETS.signingSecret, slashForm("frobnicate --now"));
      expect(help.status).toBe(200);
      const body = JSON.parse(help.body) as { response_type: string; text: string; blocks: unknown[] };
      expect(body.response_type).toBe("ephemeral");
      expect(body.text).toContain("unknown command 'frobnicate'");
      expect(JSON.stringify(body.blocks)).toContain("/cni diagnose");
    });

    it("refuses a forged signature and a timestamp older than 5 minutes with 401, reaching no listener", async () => {
      const callsBefore = world.slack.web.calls.length;
      const forged = await sendSignedRequest(url, SECRETS.signingSecret, slashForm("diagnose"), {
        signature: signBody(
          "not-the-signing-secret-000000000",
          Math.floor(Date.now() / 1000),
          "text=diagnose",
        ),
      });
      expect(forged.status).toBe(401);
      const stale = await sendSignedRequest(url, SECRETS.signingSecret, slashForm("diagnose"), {
        timestamp: Math.floor(Date.now() / 1000) - 6 * 60,
      });
      expect(stale.status).toBe(401);
      // A valid signature over a body, replayed with another body, is forged too.
      const ts = Math.floor(Date.now() / 1000);
      const replayed = await sendSignedRequest(url, SECRETS.signingSecret, slashForm("fix"), {
        timestamp: ts,
        signature: signBody(
          SECRETS.signingSecret,
          ts,
          new URLSearchParams(slashForm("help").form).toString(),
        ),
      });
      expect(replayed.status).toBe(401);
      // The positive signal that the forged requests had their chance: a valid /cni diagnose sent after them is served
      // and finishes. A forged diagnose or fix that reached a listener would have posted a top-level message of its own.
      const topLevelPosts = () =>
        world.slack.web.calls
          .slice(callsBefore)
          .filter((c) => c.method === "chat.postMessage" && !(c.args as { thread_ts?: string }).thread_ts);
      const valid = await sendSignedRequest(url, SECRETS.signingSecret, slashForm("diagnose"));
      expect(valid.status).toBe(200);
      // Only this world's one valid diagnose can have produced a diagnosis here.
      await eventually("the valid diagnosis to finish", () =>
        world.slack.workspace.messages.some(
          (m) => m.channel === CHANNEL && allText(m).includes("*Diagnosis*"),
        ),
      );
      expect(topLevelPosts()).toHaveLength(1);
    });
  });

  describe("incident thread", () => {
    startWorld();

    it("answers an @mention in an existing incident thread in that thread, and a group approver heals the cluster", async () => {
      const { slack } = world;
      await sandboxFailuresReported(world);
      const incident = slack.workspace.postAsUser(
        USERS.requester.id,
        CHANNEL,
        "redis pods stuck in ContainerCreating again",
      );
      const mention = appMentionPayload(slack.workspace, {
        user: USERS.requester.id,
        channel: CHANNEL,
        text: "fix",
        threadTs: incident.ts,
      });
      const delivered = await slack.deliver("events_api", mention, deliveryOf(world));
      expect(delivered.http?.status).toBe(200);
      // Slack re-delivers the same event when it thinks the first was missed (X-Slack-Retry-Num).
      const url = world.bot.eventsUrl as string;
      const retried = await slack.deliver("events_api", mention, {
        mode: "http",
        url,
        options: { retryNum: 1, retryReason: "http_timeout" },
      });
      expect(retried.http?.status).toBe(200);
      const plan = await eventually("the plan in the incident thread", () =>
        threadOf(world, incident.ts).find((m) => JSON.stringify(m.blocks ?? []).includes(ACTIONS.approve)),
      );
      // Nothing went to the channel's top level: the answer is in the thread.
      expect(
        slack.workspace.messages.filter((m) => m.user === slack.workspace.botUserId && !m.threadTs),
      ).toEqual([]);
      // The re-delivered event was not diagnosed twice.
      const summaries = () =>
        threadOf(world, incident.ts).filter((m) => allText(m).includes("*Diagnosis*")).length;
      expect(summaries()).toBe(1);

      // cy approves through the on-call user group, resolved at click time.
      const click = await slack.clickButton(
        { user: USERS.groupApprover.id, message: plan, actionId: ACTIONS.approve },
        deliveryOf(world),
      );
      expect(click.http?.status).toBe(200);
      const summary = await eventually(
        "the final summary",
        () => threadOf(world, incident.ts).find((m) => /^cni-doctor fix (succeeded|failed|was)/.test(m.text)),
        900,
      );
      expect(summary.text).toContain("fix succeeded");
      expect(slack.web.callsTo("usergroups.users.list").length).toBeGreaterThan(0);
      const pods = world.sim.store.list("pods", "default").filter((p) => p.metadata.labels?.app === "redis");
      expect(pods).toHaveLength(2); // the scenario's two replicas: an empty list must not pass
      for (const p of pods) expect(p.status?.phase).toBe("Running");
      expect(world.slack.web.violations).toEqual([]);
    }, 120_000);
  });

  describe("message shortcut", () => {
    startWorld();

    it("diagnoses into a message's thread from the Diagnose CNI shortcut, once per delivery", async () => {
      const { slack } = world;
      await sandboxFailuresReported(world);
      const message = slack.workspace.postAsUser(USERS.outsider.id, CHANNEL, "is the network ok now?");
      const delivered = await slack.messageShortcut(
        { user: USERS.outsider.id, message, callbackId: "diagnose_cni" },
        deliveryOf(world),
      );
      expect(delivered.http?.status).toBe(200);
      const summary = await eventually("the diagnosis in the message's thread", () =>
        threadOf(world, message.ts).find((m) => allText(m).includes("*Diagnosis*")),
      );
      // A fresh world: the stuck redis pods are there to be found.
      expect(allText(summary)).toContain("stale-cni-config");
      const captured = everythingCaptured(world);
      for (const secret of world.secrets()) expect(captured).not.toContain(secret);
    });
  });
});
