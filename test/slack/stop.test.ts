/**
 * The Stop button, through Socket Mode: while a fix runs, its progress message carries Stop; an outsider's click is
 * refused to them alone; an approver's click ends the run after the step in flight, the half-done node is restored,
 * the journal says stopped, and the thread says who stopped it.
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

const WORKER = "k8s-worker1";

describe("the Stop button", () => {
  const worldOf = socketWorldForSuite();

  it("stops a running fix after the current step and restores the half-done node", async () => {
    const world = worldOf();
    const { slack } = world;
    const { plan, threadTs } = await requestFixPlan(world);
    // Slow commands on the first node keep its first step in flight long enough to press Stop.
    world.sim.ssh?.faults.setLatency(WORKER, 700);
    await slack.clickButton(
      { user: USERS.approver.id, message: structuredClone(plan), actionId: ACTIONS.approve },
      deliveryOf(world),
    );
    const progress = await eventually("a progress message with Stop", () =>
      threadOf(world, threadTs).find((m) => JSON.stringify(m.blocks ?? []).includes(ACTIONS.stop)),
    );
    const running = await eventually(
      "the first step running (journal)",
      () =>
        journalOf(world).find(
          (r) => r.state === "running" && r.steps.some((s) => s.index === 0 && s.status === "running"),
        ),
      300,
    );

    const ephemeralsBefore = slack.workspace.ephemerals.length;
    await slack.clickButton(
      { user: USERS.outsider.id, message: structuredClone(progress), actionId: ACTIONS.stop },
      deliveryOf(world),
    );
    const refused = await eventually("the outsider told no", () =>
      slack.workspace.ephemerals.slice(ephemeralsBefore).find((e) => e.user === USERS.outsider.id),
    );
    expect(refused.text).toContain(`${USERS.outsider.id} may not stop run ${running.id}`);

    await slack.clickButton(
      { user: USERS.approver.id, message: structuredClone(progress), actionId: ACTIONS.stop },
      deliveryOf(world),
    );
    const record = await eventually(
      "the run stopped (journal)",
      () => journalOf(world).find((r) => r.id === running.id && r.state === "stopped"),
      300,
    );
    expect(record.stopRequested?.actor.id).toBe(USERS.approver.id);
    // The step in flight finished; nothing after it ran; its node was put back.
    expect(record.steps.find((s) => s.index === 0)?.status).toBe("ok");
    expect(record.steps.some((s) => s.kind === "restart-cni-agent")).toBe(false);
    expect(record.rollbacks.map((rb) => [rb.node, rb.ok])).toEqual([[WORKER, true]]);
    const stopped = await eventually("the thread told", () =>
      threadOf(world, threadTs).find((m) => m.text.startsWith("cni-doctor fix was stopped")),
    );
    expect(allText(stopped)).toContain(WORKER);
  }, 90_000);
});
