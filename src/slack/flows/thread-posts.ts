/**
 * Posting into one thread without letting Slack end the work. Slack is the front door, not the foundation: a message
 * Slack will not take after the Messenger's retries (a 5xx that outlasts them, a 429 beyond its wait, invalid_blocks,
 * msg_too_long) is logged and remembered, the flow goes on, and once it is done the thread gets one note naming what
 * could not be shown and where to see it instead. Only a SlackDeliveryError is absorbed; any other error is a bug and
 * still ends the flow.
 */
import { renderNotice } from "../blocks/messages.ts";
import type { Message } from "../blocks/types.ts";
import { SlackDeliveryError, type ThreadRef } from "../messenger.ts";
import type { SlackFlows } from "./context.ts";

export interface LostPost {
  /** What the message was, in a few words ("the summary", "finding 2"). */
  what: string;
  error: string;
}

export class ThreadPosts {
  readonly #flows: SlackFlows;
  readonly #thread: ThreadRef;
  readonly #lost: LostPost[] = [];

  constructor(flows: SlackFlows, thread: ThreadRef) {
    this.#flows = flows;
    this.#thread = thread;
  }

  get lost(): readonly LostPost[] {
    return this.#lost;
  }

  /** Posts into the thread; the message's ts, or null when Slack would not take it (remembered for the note). */
  async post(message: Message, key: string, what: string): Promise<string | null> {
    return this.attempt(what, () => this.#flows.messenger.post(this.#thread, message, key));
  }

  /** Replaces a message (the parent's status); false when Slack would not take it. */
  async update(ts: string, message: Message, what: string): Promise<boolean> {
    const done = await this.attempt(what, async () => {
      await this.#flows.messenger.update({ channel: this.#thread.channel, ts }, message);
      return true;
    });
    return done === true;
  }

  /**
   * One note in the thread for everything Slack did not take, saying where the whole result is instead. If even
   * that note is refused, the log has each loss already.
   */
  async reportLost(key: string, elsewhere: string): Promise<void> {
    if (this.#lost.length === 0) return;
    const lines = this.#lost.map((l) => `${l.what} (${l.error})`);
    const text = `Slack did not take ${this.#lost.length === 1 ? "one message" : `${this.#lost.length} messages`} of this thread: ${lines.join("; ")}. Nothing else was affected. ${elsewhere}`;
    await this.#flows.messenger
      .post(this.#thread, renderNotice(text), `${key}:lost-posts`)
      .catch((err: unknown) =>
        this.#flows.logger.warn(
          { err: (err as Error).message },
          "the note about lost Slack messages was lost too",
        ),
      );
  }

  /** A loss some other part saw (the progress reporter's own queue), for the same note. */
  recordLost(what: string, err: Error): void {
    this.#lost.push({ what, error: err.message });
  }

  /** Any Slack call for this thread (an attachment, say): its result, or null when Slack refused it. */
  async attempt<T>(what: string, call: () => Promise<T>): Promise<T | null> {
    try {
      return await call();
    } catch (err) {
      if (!(err instanceof SlackDeliveryError)) throw err;
      this.#lost.push({ what, error: err.message });
      this.#flows.logger.warn(
        { channel: this.#thread.channel, threadTs: this.#thread.threadTs, what, slackError: err.slackError },
        "a Slack message could not be posted; the flow goes on",
      );
      return null;
    }
  }
}
