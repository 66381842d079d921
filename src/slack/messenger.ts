/**
 * Everything the bot says in Slack goes through the Messenger, which makes sending safe to retry:
 * - a 429 is waited out for exactly its Retry-After (Slack did not take the call) and then retried;
 * - a 5xx or a lost connection on chat.postMessage is ambiguous (Slack may have posted it anyway), so before posting
 *   again the Messenger looks in the thread or channel for a message carrying the same idempotency key in its
 *   metadata, and reuses it if found: a message that was actually posted is never posted twice;
 * - chat.update is idempotent and simply retried;
 * - every message is brought within Block Kit limits first.
 * The WebClient under it must have its own retries off (`retryConfig: {retries: 0}`, `rejectRateLimitedCalls`), so
 * these rules are the only ones applied.
 */
import { fitMessage } from "./blocks/limits.ts";
import type { Message } from "./blocks/types.ts";

/** The slice of @slack/web-api's WebClient the Messenger uses. */
export interface SlackApi {
  apiCall(method: string, options?: Record<string, unknown>): Promise<Record<string, unknown>>;
  filesUploadV2(options: Record<string, unknown>): Promise<unknown>;
}

export interface ThreadRef {
  channel: string;
  /** The thread's parent message ts. */
  threadTs: string;
}

export interface MessengerOptions {
  /** Attempts per call, counting the first. */
  maxAttempts?: number;
  /** Longest Retry-After honoured before giving up, in seconds. */
  maxRetryAfterSeconds?: number;
  /** Backoff after a 5xx or a lost connection, in milliseconds (doubles each time). */
  backoffMs?: number;
  sleep?: (ms: number) => Promise<void>;
  onRetry?: (event: { method: string; reason: string; waitMs: number }) => void;
  /** Every failed attempt, retried or not, with Slack's error code (metrics). */
  onApiError?: (method: string, slackError: string) => void;
}

const METADATA_EVENT = "cni_doctor_message";

/** A Slack API failure, in plain words for the thread and the log. */
export class SlackDeliveryError extends Error {
  override name = "SlackDeliveryError";
  readonly method: string;
  readonly slackError: string;
  constructor(method: string, slackError: string, message: string) {
    super(message);
    this.method = method;
    this.slackError = slackError;
  }
}

export class Messenger {
  private readonly api: SlackApi;
  private readonly options: Required<Omit<MessengerOptions, "onRetry" | "onApiError">> &
    Pick<MessengerOptions, "onRetry" | "onApiError">;
  /** Idempotency key → ts of messages this process posted: a repeated post with the same key is not sent again. */
  private readonly posted = new Map<string, string>();

  constructor(api: SlackApi, options: MessengerOptions = {}) {
    this.api = api;
    this.options = {
      maxAttempts: options.maxAttempts ?? 5,
      maxRetryAfterSeconds: options.maxRetryAfterSeconds ?? 120,
      backoffMs: options.backoffMs ?? 500,
      sleep: options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms))),
      ...(options.onRetry ? { onRetry: options.onRetry } : {}),
      ...(options.onApiError ? { onApiError: options.onApiError } : {}),
    };
  }

  /**
   * Posts a message (in a thread when `threadTs` is set) once per `key`: retries never duplicate it.
   * Returns the message's ts.
   */
  async post(target: { channel: string; threadTs?: string }, message: Message, key: string): Promise<string> {
    const known = this.posted.get(key);
    if (known) return known;
    const { message: fitted } = fitMessage(message);
    const startedAt = Date.now() / 1000 - 1;
    const ts = await this.withRetries("chat.postMessage", async (attempt, previous) => {
      if (attempt > 1 && previous === "ambiguous") {
        const found = await this.findPosted(target, key, startedAt);
        if (found) return found;
      }
      const result = await this.api.apiCall("chat.postMessage", {
        channel: target.channel,
        ...(target.threadTs ? { thread_ts: target.threadTs } : {}),
        text: fitted.text,
        blocks: fitted.blocks,
        unfurl_links: false,
        unfurl_media: false,
        metadata: { event_type: METADATA_EVENT, event_payload: { key } },
      });
      return String(result.ts);
    });
    this.posted.set(key, ts);
    if (this.posted.size > 10_000) this.posted.delete(this.posted.keys().next().value as string);
    return ts;
  }

  /**
   * Like post, but first looks in the thread for a message with the same key posted by any earlier process (reports
   * a restarted bot makes must not repeat what an earlier start already said).
   */
  async postOnce(thread: ThreadRef, message: Message, key: string): Promise<string> {
    const known =
      this.posted.get(key) ??
      (await this.withRetries("conversations.replies", () => this.findPosted(thread, key, 0)));
    if (known) {
      this.posted.set(key, known);
      return known;
    }
    return this.post(thread, message, key);
  }

  /** Replaces a message's content; safe to retry. */
  async update(target: { channel: string; ts: string }, message: Message): Promise<void> {
    const { message: fitted } = fitMessage(message);
    await this.withRetries("chat.update", async () => {
      await this.api.apiCall("chat.update", {
        channel: target.channel,
        ts: target.ts,
        text: fitted.text,
        blocks: fitted.blocks,
      });
      return "";
    });
  }

  /** A message only `user` sees. Retried on 429 only: a duplicate refusal notice is harmless, a lost one is not. */
  async ephemeral(
    target: { channel: string; user: string; threadTs?: string },
    message: Message,
  ): Promise<void> {
    const { message: fitted } = fitMessage(message);
    await this.withRetries("chat.postEphemeral", async () => {
      await this.api.apiCall("chat.postEphemeral", {
        channel: target.channel,
        user: target.user,
        ...(target.threadTs ? { thread_ts: target.threadTs } : {}),
        text: fitted.text,
        blocks: fitted.blocks,
      });
      return "";
    });
  }

  /** Attaches a text file to a thread (files.uploadV2: get URL, upload, complete). */
  async upload(
    thread: ThreadRef,
    file: { filename: string; title: string; content: string },
    key: string,
  ): Promise<void> {
    if (this.posted.has(key)) return;
    await this.withRetries("files.uploadV2", async () => {
      await this.api.filesUploadV2({
        channel_id: thread.channel,
        thread_ts: thread.threadTs,
        filename: file.filename,
        title: file.title,
        content: file.content,
      });
      return "";
    });
    this.posted.set(key, "file");
  }

  /**
   * An attachment that may not be possible: where uploads are disabled, the app lacks files:write or is not in the
   * channel, Slack refuses files while messages still work. Then the thread says the file could not be attached, why,
   * and where else to get it; the flow goes on. Returns whether the file was attached.
   */
  async attachIfPossible(
    thread: ThreadRef,
    file: { filename: string; title: string; content: string },
    key: string,
    elsewhere: string,
  ): Promise<boolean> {
    try {
      await this.upload(thread, file, key);
      return true;
    } catch (err) {
      if (!(err instanceof SlackDeliveryError)) throw err;
      const why = PLAIN_WORDS[err.slackError] ?? err.slackError;
      await this.post(
        thread,
        {
          text: `${file.filename} could not be attached: ${why}. ${elsewhere}`,
          blocks: [
            {
              type: "section",
              text: {
                type: "mrkdwn",
                text: `:paperclip: *${file.filename} could not be attached*: ${why}.\n${elsewhere}`,
              },
            },
          ],
        },
        `${key}:not-attached`,
      );
      return false;
    }
  }

  /** Looks up a user's display name and the configured user groups they belong to. */
  async call(method: string, args: Record<string, unknown>): Promise<Record<string, unknown>> {
    return this.withRetries(method, () => this.api.apiCall(method, args));
  }

  private async findPosted(
    target: { channel: string; threadTs?: string },
    key: string,
    oldest: number,
  ): Promise<string | undefined> {
    const result = target.threadTs
      ? await this.api.apiCall("conversations.replies", {
          channel: target.channel,
          ts: target.threadTs,
          oldest: oldest.toFixed(6),
          include_all_metadata: true,
          limit: 200,
        })
      : await this.api.apiCall("conversations.history", {
          channel: target.channel,
          oldest: oldest.toFixed(6),
          include_all_metadata: true,
          limit: 200,
        });
    const messages = (result.messages ?? []) as {
      ts?: string;
      metadata?: { event_type?: string; event_payload?: { key?: string } };
    }[];
    return messages.find(
      (m) => m.metadata?.event_type === METADATA_EVENT && m.metadata.event_payload?.key === key,
    )?.ts;
  }

  private async withRetries<T>(
    method: string,
    call: (attempt: number, previous: "ratelimited" | "ambiguous" | undefined) => Promise<T>,
  ): Promise<T> {
    let previous: "ratelimited" | "ambiguous" | undefined;
    let backoff = this.options.backoffMs;
    for (let attempt = 1; ; attempt++) {
      try {
        return await call(attempt, previous);
      } catch (err) {
        const failure = classify(err);
        this.options.onApiError?.(method, failure.slackError);
        if (failure.kind === "platform" || attempt >= this.options.maxAttempts) {
          throw new SlackDeliveryError(method, failure.slackError, describe(method, failure, attempt));
        }
        let waitMs: number;
        if (failure.kind === "ratelimited") {
          if (failure.retryAfterSeconds > this.options.maxRetryAfterSeconds) {
            throw new SlackDeliveryError(method, "ratelimited", describe(method, failure, attempt));
          }
          waitMs = failure.retryAfterSeconds * 1000;
          previous = "ratelimited";
        } else {
          waitMs = backoff;
          backoff *= 2;
          previous = "ambiguous";
        }
        this.options.onRetry?.({ method, reason: failure.slackError, waitMs });
        await this.options.sleep(waitMs);
      }
    }
  }
}

type Failure =
  | { kind: "ratelimited"; retryAfterSeconds: number; slackError: "ratelimited" }
  | { kind: "transient"; slackError: string }
  | { kind: "platform"; slackError: string };

function classify(err: unknown): Failure {
  const e = err as {
    code?: string;
    retryAfter?: number;
    statusCode?: number;
    data?: { error?: string };
    message?: string;
  };
  switch (e.code) {
    case "slack_webapi_rate_limited_error":
      return { kind: "ratelimited", retryAfterSeconds: e.retryAfter ?? 1, slackError: "ratelimited" };
    case "slack_webapi_http_error":
      // Slack answers API errors with 200; anything else from its edge is a server problem worth retrying.
      return { kind: "transient", slackError: `http_${e.statusCode ?? "error"}` };
    case "slack_webapi_request_error":
      return { kind: "transient", slackError: "request_failed" };
    case "slack_webapi_platform_error":
      return { kind: "platform", slackError: e.data?.error ?? "unknown_error" };
    default:
      return { kind: "platform", slackError: e.message ?? String(err) };
  }
}

const PLAIN_WORDS: Record<string, string> = {
  channel_not_found: "the channel does not exist or the app cannot see it",
  not_in_channel: "the app is not a member of this channel; invite it with /invite @cni-doctor",
  invalid_auth: "Slack refused the bot token; check SLACK_BOT_TOKEN",
  not_authed: "no bot token was sent; check SLACK_BOT_TOKEN",
  missing_scope: "the app lacks a permission it needs; reinstall it from manifests/slack-app.yaml",
  invalid_blocks: "Slack refused the message layout (a bug in cni-doctor's rendering)",
  msg_too_long: "the message was too long for Slack",
  message_not_found: "the message to update no longer exists",
  thread_not_found: "the thread no longer exists",
  ratelimited: "Slack kept rate-limiting the bot",
  // files.getUploadURLExternal / files.completeUploadExternal refusals (docs.slack.dev/reference/methods/…, Errors).
  file_uploads_disabled: "file uploads are disabled in this workspace",
  file_uploads_except_images_disabled: "this workspace only allows image uploads",
};

function describe(method: string, failure: Failure, attempts: number): string {
  const words = PLAIN_WORDS[failure.slackError] ?? failure.slackError;
  return `Slack ${method} failed after ${attempts} attempt${attempts === 1 ? "" : "s"}: ${words}`;
}
