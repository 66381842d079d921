/**
 * The diagnosis card through the real Bolt app and the fake Slack: a card of at most 8 lines with Fix… and Details;
 * Details posts the evidence once; Fix… posts the plan in the same thread from the card's diagnosis (no second
 * diagnosis) and a second click points at it; `@cni-doctor fix` right after a diagnosis posts only the plan; the
 * parent message always says where the work stands, from found to awaiting approval to healed; a card another
 * process posted is diagnosed again.
 */
import { describe, expect, it } from "vitest";
import type { StoredMessage } from "../../src/sim/slack/index.ts";
import { CARD_ACTIONS } from "../../src/slack/blocks/diagnosis.ts";
import { ACTIONS } from "../../src/slack/blocks/plan.ts";
import {
  allText,
  CHANNEL,
  deliveryOf,
  eventually,
  journalOf,
  sandboxFailuresReported,
  socketWorldForSuite,
  threadOf,
  USERS,
} from "../support/slack-harness.ts";

const hasAction = (m: StoredMessage, actionId: string) => JSON.stringify(m.blocks ?? []).includes(actionId);

/** Lines a person reads: every line of every section and context in the message. */
function linesOf(m: StoredMessage): number {
  return (m.blocks ?? []).reduce((n: number, b) => {
    const block = b as { type: string; text?: { text: string }; elements?: Array<{ text?: string }> };
    if (block.type === "section") return n + (block.text?.text.split("\n").length ?? 0);
    if (block.type === "context") return n + (block.elements ?? []).length;
    return n;
  }, 0);
}

describe("the diagnosis card", () => {
  const worldOf = socketWorldForSuite();

  async function diagnoseInChannel(): Promise<{ parentTs: string; card: StoredMessage }> {
    const world = worldOf();
    await sandboxFailuresReported(world);
    const before = world.slack.workspace.messages.length;
    await world.slack.slashCommand(
      { user: USERS.requester.id, channel: CHANNEL, text: "diagnose" },
      deliveryOf(world),
    );
    const parent = await eventually("the parent", () =>
      world.slack.workspace.messages
        .slice(before)
        .find((m) => !m.threadTs && m.user === world.slack.workspace.botUserId),
    );
    const card = await eventually("the card", () =>
      threadOf(world, parent.ts).find((m) => hasAction(m, CARD_ACTIONS.details)),
    );
    return { parentTs: parent.ts, card };
  }

  it("`@cni-doctor fix` right after a diagnosis posts only the plan", async () => {
    const world = worldOf();
    const { slack } = world;
    const { parentTs } = await diagnoseInChannel();
    const repliesBefore = threadOf(world, parentTs).length;
    const runsBefore = journalOf(world).length;
    await slack.mention(
      { user: USERS.requester.id, channel: CHANNEL, text: "fix", threadTs: parentTs },
      deliveryOf(world),
    );
    await eventually("the plan", () =>
      threadOf(world, parentTs)
        .slice(repliesBefore)
        .find((m) => hasAction(m, ACTIONS.approve)),
    );
    const replies = threadOf(world, parentTs).slice(repliesBefore);
    expect(
      replies.filter(
        (m) => hasAction(m, CARD_ACTIONS.details) || m.text.startsWith("cni-doctor diagnosis of"),
      ),
    ).toEqual([]);
    expect(journalOf(world)).toHaveLength(runsBefore + 1);
  }, 60_000);

  it("is a card of at most 8 lines; Details posts the evidence once; Fix… posts the plan; the parent follows", async () => {
    const world = worldOf();
    const { slack } = world;
    const { parentTs, card } = await diagnoseInChannel();
    expect(linesOf(card)).toBeLessThanOrEqual(8);
    expect(allText(card)).toContain("`stale-cni-config` on `k8s-worker1`, `k8s-worker2`");
    expect(hasAction(card, CARD_ACTIONS.fix)).toBe(true);
    expect(threadOf(world, parentTs).some((m) => m.text.startsWith("Finding 1 of"))).toBe(false);

    for (let i = 0; i < 2; i++) {
      await slack.clickButton(
        { user: USERS.outsider.id, message: structuredClone(card), actionId: CARD_ACTIONS.details },
        deliveryOf(world),
      );
      await eventually("the evidence", () =>
        threadOf(world, parentTs).find((m) => m.text.startsWith("Finding 1 of")),
      );
    }
    const evidence = threadOf(world, parentTs).filter((m) => m.text.startsWith("Finding 1 of"));
    expect(evidence).toHaveLength(1);
    expect(allText(evidence[0] as StoredMessage)).toContain("not this cluster's CA");

    const runsBefore = journalOf(world).length;
    const idsBefore = new Set(journalOf(world).map((r) => r.id));
    await slack.clickButton(
      { user: USERS.requester.id, message: structuredClone(card), actionId: CARD_ACTIONS.fix },
      deliveryOf(world),
    );
    const plan = await eventually("the plan", () =>
      threadOf(world, parentTs).find((m) => hasAction(m, ACTIONS.approve)),
    );
    expect(journalOf(world)).toHaveLength(runsBefore + 1);
    expect(threadOf(world, parentTs).filter((m) => hasAction(m, CARD_ACTIONS.details))).toHaveLength(1);
    const parentText = () =>
      allText(world.slack.workspace.messages.find((m) => m.ts === parentTs) as StoredMessage);
    await eventually("the parent awaiting approval", () =>
      parentText().includes("awaiting approval") ? true : undefined,
    );

    // A second Fix… points at the plan already proposed.
    const ephemerals = slack.workspace.ephemerals.length;
    await slack.clickButton(
      { user: USERS.outsider.id, message: structuredClone(card), actionId: CARD_ACTIONS.fix },
      deliveryOf(world),
    );
    const refusal = await eventually("the pointer to the plan", () =>
      slack.workspace.ephemerals.slice(ephemerals).find((e) => e.user === USERS.outsider.id),
    );
    const proposed = journalOf(world).find((r) => !idsBefore.has(r.id));
    expect(refusal.text).toContain(`already proposed (run ${proposed?.id}`);
    expect(journalOf(world)).toHaveLength(runsBefore + 1);

    // Approved, the run keeps the parent current to the end: healed, never "awaiting approval" again.
    await slack.clickButton(
      { user: USERS.approver.id, message: structuredClone(plan), actionId: ACTIONS.approve },
      deliveryOf(world),
    );
    const run = await eventually(
      "the run to end",
      () =>
        journalOf(world).find(
          (r) => r.state === "succeeded" || r.state === "failed" || r.state === "rolled-back",
        ),
      90_000,
    );
    expect(run.state, run.outcome ?? "").toBe("succeeded");
    await eventually("the parent to say healed", () =>
      parentText().includes(":white_check_mark:") ? true : undefined,
    );
    expect(parentText()).not.toContain("awaiting approval");
    expect(parentText()).toContain("Healed k8s-worker1, k8s-worker2; verified.");
  }, 150_000);

  it("after a restart (or on another replica), a card's Details diagnoses again and says so", async () => {
    const world = worldOf();
    const { slack } = world;
    const card = slack.workspace.messages.find((m) => hasAction(m, CARD_ACTIONS.details)) as StoredMessage;
    await world.bot.stop(5_000);
    await eventually("the old connection to close", () =>
      slack.socket.connections === 0 ? true : undefined,
    );
    await world.restartBot();
    await slack.socket.waitForConnections(1);
    const threadTs = card.threadTs as string;
    const before = threadOf(world, threadTs).length;
    await slack.clickButton(
      { user: USERS.outsider.id, message: structuredClone(card), actionId: CARD_ACTIONS.details },
      deliveryOf(world),
    );
    const said = await eventually("the notice", () =>
      threadOf(world, threadTs)
        .slice(before)
        .find((m) => m.text.includes("diagnosed again")),
    );
    expect(allText(said)).toContain("posted by another cni-doctor replica or before a restart");
  }, 60_000);
});
