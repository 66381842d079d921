/**
 * The bot's in-memory view of its plan messages and running runs: where each plan was posted, what it shows, when its
 * approval window ends, and the reporter of each run in progress. The run journal in the cluster is the record; this
 * is only what lets the bot update the right message. After a restart a plan is known again from a click on it.
 */
import { type PlanState, type PlanView, renderPlan, renderPlanState } from "../blocks/plan.ts";
import type { Block } from "../blocks/types.ts";
import type { Messenger, ThreadRef } from "../messenger.ts";
import type { ThreadReporter } from "../thread-reporter.ts";
import type { ParentRef } from "./diagnosis-cards.ts";

/** A plan message this process posted. */
export interface TrackedPlan {
  cluster: string;
  thread: ThreadRef;
  planTs: string;
  view: PlanView;
  expiryTimer: NodeJS.Timeout | null;
  /** The message at the top of the work, kept current as the run goes (absent for plans made without one). */
  parent?: ParentRef;
}

/** A run this process is executing, and the reporter its Stop button tells. */
export interface TrackedRun {
  cluster: string;
  reporter: ThreadReporter;
}

/** The clicked plan message, as a click carries it: enough to re-render a plan made by an earlier process. */
export interface ClickedPlanMessage {
  runId: string;
  channel: string;
  messageTs: string;
  threadTs?: string;
  messageBlocks?: unknown[];
  messageText?: string;
}

/** Runs work as a job, like a request (the expiry update is Slack I/O after the timer fired). */
export type RunInBackground = (
  name: string,
  where: { channel: string; threadTs?: string },
  job: () => Promise<void>,
) => void;

export class PlanTracker {
  private readonly plans = new Map<string, TrackedPlan>();
  private readonly runs = new Map<string, TrackedRun>();
  /** Plans made by an earlier process, known only from a click on their message. */
  private readonly untracked = new Map<
    string,
    { thread: ThreadRef; planTs: string; blocks: Block[]; text: string }
  >();
  private readonly messenger: Messenger;
  private readonly background: RunInBackground;

  constructor(messenger: Messenger, background: RunInBackground) {
    this.messenger = messenger;
    this.background = background;
  }

  /** A plan just posted; its message loses its buttons when the approval window ends. */
  track(runId: string, plan: Omit<TrackedPlan, "expiryTimer">): void {
    const tracked: TrackedPlan = { ...plan, expiryTimer: null };
    this.plans.set(runId, tracked);
    this.scheduleExpiry(runId, tracked);
  }

  plan(runId: string): TrackedPlan | undefined {
    return this.plans.get(runId);
  }

  /** The runs whose plans this process posted in a thread, oldest first. */
  runIdsIn(thread: ThreadRef): string[] {
    return [...this.plans.entries()]
      .filter(([, p]) => p.thread.channel === thread.channel && p.thread.threadTs === thread.threadTs)
      .map(([runId]) => runId);
  }

  /** The cluster a plan or run of this process belongs to. */
  clusterOf(runId: string): string | undefined {
    return (this.plans.get(runId) ?? this.runs.get(runId))?.cluster;
  }

  runStarted(runId: string, run: TrackedRun): void {
    this.runs.set(runId, run);
  }

  run(runId: string): TrackedRun | undefined {
    return this.runs.get(runId);
  }

  runEnded(runId: string): void {
    this.runs.delete(runId);
  }

  /** The thread a click's plan lives in. */
  threadOf(click: ClickedPlanMessage): ThreadRef {
    const tracked = this.plans.get(click.runId);
    return tracked?.thread ?? { channel: click.channel, threadTs: click.threadTs ?? click.messageTs };
  }

  /**
   * After a restart the plan is not in memory. The click carries the plan message as Slack shows it, so its state
   * can still be updated: same blocks, buttons replaced by the new state.
   */
  rememberClicked(click: ClickedPlanMessage): void {
    if (this.plans.has(click.runId) || this.untracked.has(click.runId)) return;
    this.untracked.set(click.runId, {
      thread: this.threadOf(click),
      planTs: click.messageTs,
      blocks: (click.messageBlocks ?? []) as Block[],
      text: click.messageText ?? "cni-doctor plan",
    });
  }

  /** The plan message shows its new state (a decided plan has no buttons). */
  async setState(runId: string, state: PlanState): Promise<void> {
    const tracked = this.plans.get(runId);
    if (!tracked) {
      const known = this.untracked.get(runId);
      if (!known) return;
      const blocks = [
        ...known.blocks.filter((b) => b.type !== "actions" && b.block_id !== "cni_plan_state"),
        { ...renderPlanState(state), block_id: "cni_plan_state" },
      ];
      await this.messenger.update(
        { channel: known.thread.channel, ts: known.planTs },
        { text: known.text, blocks },
      );
      return;
    }
    tracked.view = { ...tracked.view, state };
    if (state.kind !== "pending" && tracked.expiryTimer) clearTimeout(tracked.expiryTimer);
    await this.messenger.update(
      { channel: tracked.thread.channel, ts: tracked.planTs },
      renderPlan(tracked.view).message,
    );
  }

  /** Stops expiry timers (shutdown). */
  close(): void {
    for (const p of this.plans.values()) if (p.expiryTimer) clearTimeout(p.expiryTimer);
  }

  /** When a plan's time is up, its message says so and loses its buttons (a click after that is refused anyway). */
  private scheduleExpiry(runId: string, tracked: TrackedPlan): void {
    const ms = Date.parse(tracked.view.expiresAt) - Date.now();
    if (!Number.isFinite(ms)) return;
    tracked.expiryTimer = setTimeout(
      () => {
        if (tracked.view.state.kind !== "pending") return;
        this.background(
          "expire-plan",
          { channel: tracked.thread.channel, threadTs: tracked.thread.threadTs },
          () => this.setState(runId, { kind: "expired", at: tracked.view.expiresAt }),
        );
      },
      // setTimeout holds at most a signed 32-bit delay; a longer one would fire at once.
      Math.max(0, Math.min(ms, 2 ** 31 - 1)),
    );
    tracked.expiryTimer.unref();
  }
}
