/**
 * Slack refusing messages, not just files: a post that still fails after the Messenger's retries (here a 5xx outage
 * on that one post, from the fake Slack) never ends a diagnosis or a fix. The flow goes on, the thread gets one note
 * naming what Slack did not take, and a plan that could not be shown says how to approve it without its buttons. A
 * thread that cannot even be started is told to the person privately. Never "Something went wrong".
 */
import { describe, expect, it } from "vitest";
import { ACTIONS } from "../../src/slack/blocks/plan.ts";
import {
  allText,
  CHANNEL,
  deliveryOf,
  eventually,
  journalOf,
  requestFixPlan,
  sandboxFailuresReported,
  socketWorldForSuite,
  threadOf,
  USERS,
} from "../support/slack-harness.ts";

/** The Messenger's attempts per call: a fault on this many calls outlasts its retries. */
const ATTEMPTS = 5;

describe("Slack refusing some messages", () => {
  const worldOf = socketWorldForSuite();

  async function ask(text: string): Promise<{ parentTs: string; before: number }> {
    const world = worldOf();
    const before = world.slack.workspace.messages.length;
    await world.slack.slashCommand({ user: USERS.requester.id, channel: CHANNEL, text }, deliveryOf(world));
    const parent = await eventually("the parent message", () =>
      world.slack.workspace.messages.slice(before).find((m) => !m.threadTs || m.threadTs === m.ts),
    );
    return { parentTs: parent.ts, before };
  }

  it("a diagnosis card Slack will not take: the plan and one note follow", async () => {
    const world = worldOf();
    await sandboxFailuresReported(world);
    world.slack.web.inject({
      method: "chat.postMessage",
      kind: "server-error",
      times: ATTEMPTS,
      match: (args) => typeof args.thread_ts === "string",
    });
    const { parentTs } = await ask("fix");
    const note = await eventually(
      "the note on lost messages",
      () => threadOf(world, parentTs).find((m) => m.text.includes("Slack did not take")),
      60_000,
    );
    expect(allText(note)).toContain(
      `Slack did not take one message of this thread: the diagnosis (Slack chat.postMessage failed after ${ATTEMPTS} attempts: http_500)`,
    );
    const thread = threadOf(world, parentTs);
    expect(thread.some((m) => JSON.stringify(m.blocks ?? []).includes(ACTIONS.approve))).toBe(true);
    expect(thread.map(allText).join("\n")).not.toContain("Something went wrong");
    const parent = world.slack.workspace.messages.find((m) => m.ts === parentTs);
    expect(allText(parent ?? ({ text: "", blocks: [] } as never))).not.toMatch(/diagnosing/i);
  }, 90_000);

  it("a plan Slack will not take: the run waits in the journal and the thread says how to approve it", async () => {
    const world = worldOf();
    world.slack.web.inject({
      method: "chat.postMessage",
      kind: "server-error",
      times: ATTEMPTS,
      match: (args) => JSON.stringify(args).includes(ACTIONS.approve),
    });
    const known = new Set(journalOf(world).map((r) => r.id));
    const { parentTs } = await ask("fix");
    const notShown = await eventually(
      "the plan-not-shown notice",
      () => threadOf(world, parentTs).find((m) => m.text.includes("could not be shown here")),
      60_000,
    );
    const run = journalOf(world).find((r) => !known.has(r.id));
    expect(run?.state).toBe("pending");
    expect(allText(notShown)).toContain(`approve it at a terminal with \`cni-doctor approve ${run?.id}\``);
    const note = await eventually("the note on lost messages", () =>
      threadOf(world, parentTs).find((m) => m.text.includes("Slack did not take")),
    );
    expect(allText(note)).toContain(`the plan of run ${run?.id}`);
  }, 90_000);

  it("a thread Slack will not start: the person is told privately, nothing is posted half-way", async () => {
    const world = worldOf();
    const ephemerals = world.slack.workspace.ephemerals.length;
    const before = world.slack.workspace.messages.length;
    world.slack.web.inject({
      method: "chat.postMessage",
      kind: "server-error",
      times: ATTEMPTS,
      match: (args) => args.thread_ts === undefined,
    });
    await world.slack.slashCommand(
      { user: USERS.requester.id, channel: CHANNEL, text: "diagnose" },
      deliveryOf(world),
    );
    const told = await eventually(
      "the private answer",
      () =>
        world.slack.workspace.ephemerals
          .slice(ephemerals)
          .find((e) => e.text.includes("could not post here")),
      60_000,
    );
    expect(told.user).toBe(USERS.requester.id);
    expect(told.text).toContain(`chat.postMessage failed after ${ATTEMPTS} attempts`);
    expect(told.text).toContain("`cni-doctor diagnose` at a terminal");
    expect(world.slack.workspace.messages.slice(before)).toEqual([]);
  }, 90_000);
});

describe("Slack refusing every update during a run", () => {
  const worldOf = socketWorldForSuite();

  it("the run still heals the cluster, and the thread says afterwards what it could not show", async () => {
    const world = worldOf();
    const { plan, threadTs } = await requestFixPlan(world);
    // The fix flow's last word is the parent's status, after the plan: refused too, it would be a note of its own.
    await eventually("the parent to say the plan awaits approval", () =>
      world.slack.workspace.messages.find(
        (m) => m.ts === threadTs && allText(m).includes("awaiting approval"),
      ),
    );
    // A Retry-After beyond what the bot waits (2 minutes): every chat.update fails at once, as in a long throttle.
    world.slack.web.inject({ method: "chat.update", kind: "ratelimited", retryAfter: 600, times: 10_000 });
    await world.slack.clickButton(
      { user: USERS.approver.id, message: structuredClone(plan), actionId: ACTIONS.approve },
      deliveryOf(world),
    );
    const run = await eventually(
      "the run to end",
      () => journalOf(world).find((r) => !["pending", "approved", "running"].includes(r.state)),
      90_000,
    );
    expect(run.state, run.outcome ?? "").toBe("succeeded");
    const note = await eventually("the note on lost messages", () =>
      threadOf(world, threadTs).find((m) => m.text.includes("Slack did not take")),
    );
    expect(allText(note)).toContain(
      "the plan message's approved state (Slack chat.update failed after 1 attempt: Slack kept rate-limiting the bot)",
    );
    expect(allText(note)).toContain("a progress update");
    expect(allText(note)).toContain(
      `\`cni-doctor runs\` at a terminal (or \`/cni status\`) shows run ${run.id}`,
    );
    expect(threadOf(world, threadTs).map(allText).join("\n")).not.toContain("Something went wrong");
  }, 120_000);
});
