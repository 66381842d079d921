/**
 * The Slack side of a run's progress (a ProgressReporter): one progress message in the incident thread, updated with
 * chat.update at most once per `minUpdateIntervalMs` (events in between are folded into the next update, so the
 * message always ends on the latest state); a thread reply when a node finishes, fails or is rolled back; and the
 * final summary with the verification. Slack trouble never fails the run: it is logged, and the run goes on.
 */
import type { Plan } from "../remediation/plan.ts";
import type { ProgressReporter, RunEvent } from "../remediation/run.ts";
import {
  applyRunEvent,
  initialProgress,
  type ProgressState,
  renderNodeFinished,
  renderProgress,
  renderRollback,
  renderRunSummary,
} from "./blocks/run.ts";
import type { Messenger, ThreadRef } from "./messenger.ts";

export interface ThreadReporterOptions {
  messenger: Messenger;
  thread: ThreadRef;
  runId: string;
  plan: Plan;
  dryRun: boolean;
  minUpdateIntervalMs?: number;
  onSlackError?: (err: Error) => void;
  /** Called once the final summary is posted. */
  onFinished?: (state: ProgressState) => void;
}

export class ThreadReporter implements ProgressReporter {
  private state: ProgressState;
  private readonly options: ThreadReporterOptions;
  private readonly minInterval: number;
  private progressTs: string | null = null;
  /** Slack calls run one after another, so replies and updates appear in the order events happened. */
  private queue: Promise<void> = Promise.resolve();
  private lastUpdateAt = 0;
  private updateTimer: NodeJS.Timeout | null = null;
  private dirty = false;

  constructor(options: ThreadReporterOptions) {
    this.options = options;
    this.minInterval = options.minUpdateIntervalMs ?? 1000;
    this.state = initialProgress(options.runId, options.plan, options.dryRun);
  }

  /** Posts the progress message (with its Stop button) before the run starts. */
  async start(): Promise<void> {
    await this.enqueue(async () => {
      this.progressTs = await this.options.messenger.post(
        this.options.thread,
        renderProgress(this.state),
        `${this.options.runId}:progress:${this.options.dryRun ? "dry" : "run"}`,
      );
      this.lastUpdateAt = Date.now();
    });
  }

  report(event: RunEvent): void {
    this.state = applyRunEvent(this.state, event);
    const { messenger, thread, runId } = this.options;
    switch (event.type) {
      case "node-finished":
        // A healed node shows in the progress message; only a node that failed earns a reply of its own.
        if (event.status === "healed") break;
        this.enqueue(() =>
          messenger
            .post(
              thread,
              renderNodeFinished(event, this.state.cluster),
              `${runId}:node:${event.node}:${event.status}`,
            )
            .then(() => undefined),
        );
        break;
      case "rolled-back":
        this.enqueue(() =>
          messenger
            .post(
              thread,
              renderRollback(event.rollback, this.state.cluster),
              `${runId}:rollback:${event.rollback.node}`,
            )
            .then(() => undefined),
        );
        break;
      case "run-finished":
        this.flushNow();
        this.enqueue(async () => {
          await messenger.post(
            thread,
            renderRunSummary(this.state),
            `${runId}:summary:${this.state.dryRun ? "dry" : "run"}`,
          );
          this.options.onFinished?.(this.state);
        });
        return;
      default:
        break;
    }
    this.scheduleUpdate();
  }

  /** Marks a stop request on the progress message (the Stop button goes away). */
  stopRequested(userId: string): void {
    this.state = { ...this.state, stopRequestedBy: userId };
    this.scheduleUpdate();
  }

  /** Waits until everything reported so far is in Slack. */
  async settled(): Promise<void> {
    if (this.dirty) this.flushNow();
    await this.queue;
  }

  private scheduleUpdate(): void {
    this.dirty = true;
    if (this.updateTimer) return;
    const wait = Math.max(0, this.lastUpdateAt + this.minInterval - Date.now());
    this.updateTimer = setTimeout(() => {
      this.updateTimer = null;
      this.flushNow();
    }, wait);
  }

  private flushNow(): void {
    if (this.updateTimer) {
      clearTimeout(this.updateTimer);
      this.updateTimer = null;
    }
    this.dirty = false;
    this.enqueue(async () => {
      if (!this.progressTs) return;
      // Rendered when the update is sent, not when it was asked for: coalesced events all show.
      await this.options.messenger.update(
        { channel: this.options.thread.channel, ts: this.progressTs },
        renderProgress(this.state),
      );
      this.lastUpdateAt = Date.now();
    });
  }

  private enqueue(task: () => Promise<void>): Promise<void> {
    this.queue = this.queue.then(task).catch((err: unknown) => {
      this.options.onSlackError?.(err instanceof Error ? err : new Error(String(err)));
    });
    return this.queue;
  }
}
