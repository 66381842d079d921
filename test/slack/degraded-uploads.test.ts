/**
 * A workspace where Slack refuses files but not messages (uploads disabled by an admin, no files:write, app not in
 * the channel), through the real Bolt app and the fake Slack answering with Slack's own error codes: the card's
 * Details still ends with the evidence, the thread says the attachment could not be posted and why, and `/cni fix`
 * still posts its plan. Never "Something went wrong".
 */
import { CoreV1Api } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadCluster } from "../../src/kube/cluster-config.ts";
import { CARD_ACTIONS } from "../../src/slack/blocks/diagnosis.ts";
import { ACTIONS } from "../../src/slack/blocks/plan.ts";
import {
  allText,
  CHANNEL,
  deliveryOf,
  eventually,
  type SlackWorld,
  startSlackWorld,
  threadOf,
  USERS,
} from "../support/slack-harness.ts";

const EXTRA_PODS = 12;

describe("Slack refusing file uploads", () => {
  let world: SlackWorld;
  beforeAll(async () => {
    world = await startSlackWorld({ scenario: "stale-cni-config", mode: "socket", syncPeriodMs: 500 });
    await world.slack.socket.waitForConnections(1);
    // More stuck pods than a finding message lists, so the diagnosis needs its attachment.
    const api = loadCluster({ kubeconfigPath: world.kubeconfigPath }).kubeConfig.makeApiClient(CoreV1Api);
    for (let i = 0; i < EXTRA_PODS; i++) {
      await api.createNamespacedPod({
        namespace: "default",
        body: {
          metadata: { name: `web-${i}` },
          spec: {
            nodeName: "k8s-worker1",
            containers: [{ name: "web", image: "docker.io/library/nginx:1.27" }],
          },
        },
      });
    }
    await eventually(
      "sandbox failures for the extra pods",
      () =>
        world.sim.store
          .list("events", "default")
          .filter(
            (e) =>
              (e as { reason?: string; involvedObject?: { name?: string } }).reason ===
                "FailedCreatePodSandBox" &&
              (e as { involvedObject?: { name?: string } }).involvedObject?.name?.startsWith("web-"),
          ).length >= EXTRA_PODS || undefined,
    );
  }, 90_000);
  afterAll(async () => world?.stop());

  const parentsSince = (before: number) =>
    world.slack.workspace.messages
      .slice(before)
      .filter((m) => !m.threadTs && m.user === world.slack.workspace.botUserId);

  for (const refusal of ["file_uploads_disabled", "missing_scope", "not_in_channel"] as const) {
    it(`Details ends with the evidence and says why diagnosis.json is missing (${refusal})`, async () => {
      const { slack } = world;
      slack.web.uploadRefusal = refusal;
      const before = slack.workspace.messages.length;
      await slack.slashCommand(
        { user: USERS.requester.id, channel: CHANNEL, text: "diagnose" },
        deliveryOf(world),
      );
      const parent = await eventually("the parent message", () => parentsSince(before)[0]);
      // The card carries the verdict; the evidence (and the file, when it is cut) comes with Details.
      const card = await eventually("the diagnosis card", () =>
        threadOf(world, parent.ts).find((m) => JSON.stringify(m.blocks ?? []).includes(CARD_ACTIONS.details)),
      );
      await slack.clickButton(
        { user: USERS.outsider.id, message: structuredClone(card), actionId: CARD_ACTIONS.details },
        deliveryOf(world),
      );
      const notice = await eventually("the attachment notice", () =>
        threadOf(world, parent.ts).find((m) => allText(m).includes("diagnosis.json could not be attached")),
      );
      const words = {
        file_uploads_disabled: "file uploads are disabled in this workspace",
        missing_scope: "the app lacks a permission it needs",
        not_in_channel: "the app is not a member of this channel",
      }[refusal];
      expect(allText(notice)).toContain(words);
      expect(allText(notice)).toContain("cni-doctor diagnose --json");
      const thread = threadOf(world, parent.ts).map(allText).join("\n");
      expect(thread).toMatch(/stale-cni-config|stale/i);
      const everything = slack.workspace.messages.slice(before).map(allText).join("\n");
      expect(everything).not.toContain("Something went wrong");
      expect(parentsSince(before)).toHaveLength(1);
      expect(slack.web.callsTo("files.getUploadURLExternal").length).toBeGreaterThan(0);
    }, 60_000);
  }

  it("fix still posts its plan when the diagnosis cannot be attached", async () => {
    const { slack } = world;
    slack.web.uploadRefusal = "file_uploads_disabled";
    const before = slack.workspace.messages.length;
    await slack.slashCommand({ user: USERS.requester.id, channel: CHANNEL, text: "fix" }, deliveryOf(world));
    const plan = await eventually("a plan", () =>
      slack.workspace.messages
        .slice(before)
        .find((m) => JSON.stringify(m.blocks ?? []).includes(ACTIONS.approve)),
    );
    expect(plan.threadTs).toBeTruthy();
    expect(slack.workspace.messages.slice(before).map(allText).join("\n")).not.toContain(
      "Something went wrong",
    );
  }, 60_000);
});
