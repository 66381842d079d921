/**
 * `/cni diagnose` when the bot's kubeconfig token is rejected, through the real Bolt app and the fake Slack: the
 * thread gets one error naming the server, the 401 and what to check (the terminal's words), not one failure per
 * check and never the client's raw error with its response headers.
 */
import { readFile, writeFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
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

describe("Slack: an API server that rejects the bot's token", () => {
  let world: SlackWorld;
  beforeAll(async () => {
    world = await startSlackWorld({ scenario: "healthy", mode: "socket", startBot: false });
    const kubeconfig = await readFile(world.kubeconfigPath, "utf8");
    await writeFile(world.kubeconfigPath, kubeconfig.replace(/token: .*/, "token: not-a-valid-token"));
    await world.restartBot();
    await world.slack.socket.waitForConnections(1);
  }, 60_000);
  afterAll(async () => world?.stop());

  it("says it once in the thread: the server, HTTP 401, what to check", async () => {
    const { slack } = world;
    await slack.slashCommand(
      { user: USERS.requester.id, channel: CHANNEL, text: "diagnose" },
      deliveryOf(world),
    );
    const parent = await eventually("the parent message", () =>
      slack.workspace.messages.find((m) => !m.threadTs && m.user === slack.workspace.botUserId),
    );
    const error = await eventually("the error in the thread", () =>
      threadOf(world, parent.ts).find((m) => allText(m).includes("could not be diagnosed")),
    );
    expect(allText(error)).toMatch(/rejected the credentials \(HTTP 401 Unauthorized\)/);
    expect(allText(error)).toMatch(/Check the kubeconfig user's token or client certificate/);
    const thread = threadOf(world, parent.ts).map(allText).join("\n");
    expect(thread).not.toMatch(/Headers|audit-id|HTTP-Code|Incomplete/);
    expect(threadOf(world, parent.ts).filter((m) => allText(m).includes("HTTP 401"))).toHaveLength(1);
  }, 60_000);
});
