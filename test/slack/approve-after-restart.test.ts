/**
 * A plan posted by one bot process and approved after a restart: the new process knows the plan only from the click,
 * so it rebuilds the progress reporter from the run's journal record (its plan and origin thread) and runs it, instead
 * of showing "approved" and running nothing.
 */
import { describe, expect, it } from "vitest";
import { ACTIONS } from "../../src/slack/blocks/plan.ts";
import {
  allText,
  deliveryOf,
  eventually,
  journalOf,
  requestFixPlan,
  socketWorldForSuite,
  threadOf,
  USERS,
} from "../support/slack-harness.ts";

describe("approving a plan posted before a restart", () => {
  const worldOf = socketWorldForSuite();

  it("fails closed while the journal cannot be read, then runs the plan, reporting into the plan's thread", async () => {
    const world = worldOf();
    const { slack } = world;
    const { plan, threadTs } = await requestFixPlan(world);

    // A new process: the old one is gone, with everything it remembered about its plan messages.
    await world.bot.stop(5_000);
    await eventually("the old connection to close", () =>
      slack.socket.connections === 0 ? true : undefined,
    );
    await world.restartBot();
    await slack.socket.waitForConnections(1);

    // While the journal cannot be read, the new process cannot know the plan's thread: it fails closed. The approval
    // is not recorded, the run stays pending, the plan message keeps its buttons, and the clicker is told why.
    const runId = journalOf(world)[0]?.id as string;
    const unreadable = world.sim.apiServer.faults.add({ resource: "configmaps", verb: "get", status: 500 });
    const ephemerals = slack.workspace.ephemerals.length;
    await slack.clickButton(
      { user: USERS.approver.id, message: structuredClone(plan), actionId: ACTIONS.approve },
      deliveryOf(world),
    );
    const refusal = await eventually("the fail-closed answer", () =>
      slack.workspace.ephemerals.slice(ephemerals).find((e) => e.user === USERS.approver.id),
    );
    unreadable();
    expect(refusal.text).toContain(
      `your approval was not recorded and run ${runId} stays pending. Try again in a moment, or approve at a terminal with \`cni-doctor approve ${runId}\`.`,
    );
    expect(journalOf(world).find((r) => r.id === runId)).toMatchObject({ state: "pending", approvals: [] });
    const shown = slack.workspace.messages.find((m) => m.ts === plan.ts);
    expect(JSON.stringify(shown?.blocks ?? [])).toContain(ACTIONS.approve);

    // Once it can be read, the same button runs the plan.
    await slack.clickButton(
      { user: USERS.approver.id, message: structuredClone(plan), actionId: ACTIONS.approve },
      deliveryOf(world),
    );
    const run = await eventually(
      "the run to finish",
      () =>
        journalOf(world).find(
          (r) => r.state !== "pending" && r.state !== "approved" && r.state !== "running",
        ),
      60_000,
    );
    expect(run.state, run.outcome ?? "").toBe("succeeded");
    // The journal records the end before the thread's last update is sent: wait for the thread to say it.
    await eventually("the thread to say the run healed the cluster", () =>
      /succeeded|healed|Healed/.test(threadOf(world, threadTs).map(allText).join("\n")) ? true : undefined,
    );
    expect(slack.workspace.ephemerals.map((e) => JSON.stringify(e))).not.toContainEqual(
      expect.stringContaining("no plan message"),
    );
  }, 120_000);
});
