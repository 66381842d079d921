/**
 * The plan tracker with a recording Messenger: a decided plan loses its buttons and its expiry timer, a plan known
 * only from a click (made before a restart) is updated from the blocks the click carried, and a plan whose approval
 * window ends says so on its own.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Plan } from "../../src/remediation/plan.ts";
import { ACTIONS, type PlanView } from "../../src/slack/blocks/plan.ts";
import type { Message } from "../../src/slack/blocks/types.ts";
import { PlanTracker, type RunInBackground } from "../../src/slack/flows/plan-tracker.ts";
import type { Messenger } from "../../src/slack/messenger.ts";

const cluster = { context: "prod", server: "https://10.0.0.1:6443", caFingerprint: "ab".repeat(32) };
const plan = {
  digest: `sha256:${"c".repeat(64)}`,
  cluster,
  steps: [],
  blastRadius: { nodes: [], pods: [] },
  manualActions: [],
  excludedPods: [],
  nothingToDo: false,
} as unknown as Plan;

function view(expiresAt: string): PlanView {
  return {
    runId: "run-1",
    plan,
    requestedBy: "U0REQUEST1",
    expiresAt,
    quorum: 1,
    policyViolations: [],
    state: { kind: "pending", approvals: [] },
  };
}

function recording() {
  const updates: { channel: string; ts: string; message: Message }[] = [];
  const jobs: string[] = [];
  const messenger = {
    update: async (target: { channel: string; ts: string }, message: Message) => {
      updates.push({ ...target, message });
    },
  } as unknown as Messenger;
  const background: RunInBackground = (name, _where, job) => {
    jobs.push(name);
    void job();
  };
  return { tracker: new PlanTracker(messenger, background), updates, jobs };
}

const thread = { channel: "C0INCIDENT", threadTs: "100.000" };
const hasButtons = (m: Message) => m.blocks.some((b) => b.type === "actions");

afterEach(() => {
  vi.useRealTimers();
});

describe("PlanTracker", () => {
  it("re-renders a decided plan without buttons and forgets its expiry", async () => {
    vi.useFakeTimers();
    const { tracker, updates, jobs } = recording();
    const expiresAt = new Date(Date.now() + 60_000).toISOString();
    tracker.track("run-1", { cluster: "prod", thread, planTs: "101.000", view: view(expiresAt) });
    await tracker.setState("run-1", { kind: "rejected", by: "U0BOB00001", at: new Date().toISOString() });
    expect(updates).toHaveLength(1);
    expect(updates[0]).toMatchObject({ channel: "C0INCIDENT", ts: "101.000" });
    expect(hasButtons(updates[0]?.message as Message)).toBe(false);
    expect(tracker.plan("run-1")?.view.state.kind).toBe("rejected");
    await vi.advanceTimersByTimeAsync(120_000);
    expect(jobs).toEqual([]);
  });

  it("marks a pending plan expired when its approval window ends", async () => {
    vi.useFakeTimers();
    const { tracker, updates, jobs } = recording();
    const expiresAt = new Date(Date.now() + 60_000).toISOString();
    tracker.track("run-1", { cluster: "prod", thread, planTs: "101.000", view: view(expiresAt) });
    await vi.advanceTimersByTimeAsync(60_000);
    expect(jobs).toEqual(["expire-plan"]);
    expect(tracker.plan("run-1")?.view.state).toEqual({ kind: "expired", at: expiresAt });
    expect(hasButtons(updates.at(-1)?.message as Message)).toBe(false);
    tracker.close();
  });

  it("updates a plan made before a restart from the message the click carried", async () => {
    const { tracker, updates } = recording();
    const click = {
      runId: "run-old",
      channel: "C0INCIDENT",
      messageTs: "201.000",
      threadTs: "200.000",
      messageBlocks: [
        { type: "section", text: { type: "mrkdwn", text: "Proposed fix" } },
        { type: "actions", elements: [{ type: "button", action_id: ACTIONS.approve, value: "run-old" }] },
      ],
      messageText: "cni-doctor plan for prod",
    };
    expect(tracker.threadOf(click)).toEqual({ channel: "C0INCIDENT", threadTs: "200.000" });
    tracker.rememberClicked(click);
    await tracker.setState("run-old", { kind: "approved", approvals: [] });
    expect(updates).toHaveLength(1);
    const update = updates[0];
    expect(update).toMatchObject({ channel: "C0INCIDENT", ts: "201.000" });
    expect(update?.message.text).toBe("cni-doctor plan for prod");
    expect(hasButtons(update?.message as Message)).toBe(false);
    expect(update?.message.blocks.at(0)).toEqual(click.messageBlocks[0]);
    expect(update?.message.blocks.at(-1)?.block_id).toBe("cni_plan_state");
  });

  it("knows the cluster of a plan or of a running run, and nothing of a run it never saw", () => {
    const { tracker } = recording();
    tracker.track("run-1", { cluster: "prod", thread, planTs: "101.000", view: view("not a date") });
    tracker.runStarted("run-2", { cluster: "staging", reporter: {} as never });
    expect(tracker.clusterOf("run-1")).toBe("prod");
    expect(tracker.clusterOf("run-2")).toBe("staging");
    tracker.runEnded("run-2");
    expect(tracker.clusterOf("run-2")).toBeUndefined();
    expect(tracker.clusterOf("run-3")).toBeUndefined();
  });
});
