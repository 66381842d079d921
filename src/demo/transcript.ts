/**
 * The incident thread as a person reads it, printed from what the local Slack recorded: the envelopes it delivered
 * to the bot (a slash command, a mention, a button click) with the bot's acks, and the Web API calls the bot made
 * (messages posted, updated in place, shown to one person, files attached). Nothing here is scripted: every line comes
 * from that traffic, in the order it happened, stamped with the time Slack gave it relative to the demo's start.
 */
import type { DeliveryResult, FakeSlack, RecordedCall } from "../sim/slack/index.ts";
import { diffLines, type RenderContext, renderMessage, renderMrkdwn, type TextStyle } from "./slack-text.ts";

interface SeenMessage {
  lines: string[];
  /** The lines with check times and event counts blanked: a diagnosis repeated a moment later compares equal. */
  gist: string;
  postedAt: number;
  threadTs?: string;
}

export interface TranscriptOptions {
  slack: FakeSlack;
  /** Epoch ms the demo started; times are shown relative to it. */
  startedAt: number;
  style: TextStyle;
  write(text: string): void;
}

const BODY_INDENT = "         ";

export class SlackTranscript {
  private readonly slack: FakeSlack;
  private readonly startedAt: number;
  private readonly style: TextStyle;
  private readonly write: (text: string) => void;
  private callCursor = 0;
  private readonly seen = new Map<string, SeenMessage>();
  /** Web API calls by method, shown or not (auth.test, users.info, conversations.replies …). */
  readonly callCounts = new Map<string, number>();
  /** Calls Slack answered with an error (ok: false or an HTTP error). */
  readonly failedCalls: RecordedCall[] = [];

  constructor(options: TranscriptOptions) {
    this.slack = options.slack;
    this.startedAt = options.startedAt;
    this.style = options.style;
    this.write = options.write;
  }

  /** Prints every Web API call recorded since the last flush. */
  flush(): void {
    const calls = this.slack.web.calls;
    while (this.callCursor < calls.length) {
      const call = calls[this.callCursor++] as RecordedCall;
      this.callCounts.set(call.method, (this.callCounts.get(call.method) ?? 0) + 1);
      this.printCall(call);
    }
  }

  /**
   * A person acts in Slack: prints what was recorded before, delivers the envelope, then prints it as Slack
   * delivered it and the bot's ack.
   */
  async deliver(action: () => Promise<DeliveryResult>): Promise<DeliveryResult> {
    this.flush();
    const before = this.slack.socket.sent.length;
    const sentAt = Date.now();
    const result = await action();
    const ackedAt = Date.now();
    for (const envelope of this.slack.socket.sent.slice(before)) {
      this.printEnvelope(envelope.type, envelope.payload as Record<string, unknown>, sentAt);
      const ack = this.slack.socket.acks.find((a) => a.envelopeId === envelope.envelopeId);
      if (ack) {
        const shown = ack.payload && Object.keys(ack.payload).length > 0;
        this.header(
          ackedAt,
          this.style.dim(
            `↳ Slack delivered it to cni-doctor over Socket Mode; acked in ${ackedAt - sentAt} ms${shown ? ", with a reply:" : " (an empty ack: nothing extra shown)"}`,
          ),
        );
        if (shown)
          this.body(renderMessage(ack.payload as { text?: string; blocks?: unknown[] }, this.ctx(ackedAt)));
      }
    }
    return result;
  }

  /** The time of a Slack ts ("1700000000.123456") as epoch ms. */
  private static tsMillis(ts: unknown): number | undefined {
    return typeof ts === "string" && /^\d+\.\d+$/.test(ts) ? Number(ts) * 1000 : undefined;
  }

  private ctx(now: number): RenderContext {
    return {
      now,
      style: this.style,
      userName: (id) => this.slack.workspace.users.get(id)?.name ?? id,
    };
  }

  private stamp(at: number): string {
    return `+${((at - this.startedAt) / 1000).toFixed(1)}s`.padStart(7);
  }

  private header(at: number, text: string): void {
    this.write(`${this.style.dim(this.stamp(at))}  ${text}\n`);
  }

  private body(lines: string[], gutter = "│"): void {
    for (const line of lines) this.write(`${BODY_INDENT}${this.style.dim(gutter)} ${line}\n`);
  }

  private where(channel: string, threadTs: string | undefined): string {
    return threadTs ? "in the thread" : `in #${this.slack.workspace.channelName(channel)}`;
  }

  private person(id: string): string {
    return this.style.bold(this.style.yellow(`@${this.slack.workspace.users.get(id)?.name ?? id}`));
  }

  private bot(): string {
    return this.style.bold("cni-doctor");
  }

  private since(ts: string): string {
    const seen = this.seen.get(ts);
    return seen ? `its message of ${this.stamp(seen.postedAt).trim()}` : "a message";
  }

  private printEnvelope(type: string, payload: Record<string, unknown>, at: number): void {
    const ctx = this.ctx(at);
    if (type === "slash_commands") {
      const text = `${String(payload.command ?? "")} ${String(payload.text ?? "")}`.trim();
      this.header(
        at,
        `${this.person(String(payload.user_id))} in #${String(payload.channel_name ?? payload.channel_id)} types  ${this.style.bold(text)}`,
      );
      return;
    }
    if (type === "events_api") {
      const event = (payload.event ?? {}) as Record<string, unknown>;
      const said = renderMrkdwn(String(event.text ?? ""), ctx).join(" ");
      this.header(
        at,
        `${this.person(String(event.user))} ${this.where(String(event.channel), event.thread_ts as string | undefined)} writes  ${this.style.bold(said)}`,
      );
      return;
    }
    if (type === "interactive") {
      const user = (payload.user ?? {}) as { id?: string };
      const action = ((payload.actions ?? []) as { text?: { text?: string } }[])[0];
      const container = (payload.container ?? {}) as { message_ts?: string };
      const on = container.message_ts
        ? ` on ${this.since(container.message_ts).replace("its", "cni-doctor's")}`
        : "";
      this.header(
        at,
        `${this.person(String(user.id))} clicks  ${this.style.bold(`[ ${action?.text?.text ?? "?"} ]`)}${on}`,
      );
      return;
    }
    this.header(at, this.style.dim(`(Slack delivered a ${type} envelope)`));
  }

  private printCall(call: RecordedCall): void {
    const response = call.response as Record<string, unknown>;
    if (call.status !== 200 || response.ok !== true) {
      this.printRefusal(call, response);
      return;
    }
    this.printers[call.method]?.(call.args, response);
  }

  /** The Web API calls a person sees the effect of; the others (auth.test, users.info ...) are only counted. */
  private readonly printers: Record<
    string,
    (args: Record<string, unknown>, response: Record<string, unknown>) => void
  > = {
    "chat.postMessage": (args, response) => this.printPosted(args, response),
    "chat.update": (args, response) => this.printUpdated(args, response),
    "chat.postEphemeral": (args, response) => {
      const at = SlackTranscript.tsMillis(response.message_ts) ?? Date.now();
      this.header(at, `${this.bot()} → only ${this.person(String(args.user))} sees this`);
      this.body(
        renderMessage({ text: String(args.text ?? ""), blocks: parseBlocks(args.blocks) }, this.ctx(at)),
        "┆",
      );
    },
    "files.completeUploadExternal": (_args, response) => {
      const files = (response.files ?? []) as { name?: string; title?: string }[];
      this.header(
        Date.now(),
        `${this.bot()} attaches ${files.map((f) => `📎 ${f.name ?? "a file"}${f.title ? ` (${f.title})` : ""}`).join(", ")} in the thread`,
      );
    },
  };

  private printRefusal(call: RecordedCall, response: Record<string, unknown>): void {
    if (!call.method.startsWith("chat.") && !call.method.startsWith("files.")) return;
    this.failedCalls.push(call);
    this.header(
      Date.now(),
      this.style.dim(`(Slack answered ${call.method} with ${String(response.error ?? call.status)})`),
    );
  }

  private printPosted(args: Record<string, unknown>, response: Record<string, unknown>): void {
    const ts = String(response.ts);
    const at = SlackTranscript.tsMillis(ts) ?? Date.now();
    const threadTs = typeof args.thread_ts === "string" && args.thread_ts !== "" ? args.thread_ts : undefined;
    const lines = renderMessage(
      { text: String(args.text ?? ""), blocks: parseBlocks(args.blocks) },
      this.ctx(at),
    );
    const gist = gistOf(lines);
    const earlier = [...this.seen.values()].find((m) => m.gist === gist);
    this.seen.set(ts, { lines, gist, postedAt: at, ...(threadTs ? { threadTs } : {}) });
    this.header(at, `${this.bot()} ${this.where(String(args.channel), threadTs)}`);
    if (earlier && lines.length > FOLD_MIN_LINES)
      this.body(
        [
          lines[0] as string,
          this.style.dim(
            `(${lines.length - 1} more lines, the same as its message of ${this.stamp(earlier.postedAt).trim()} but for check times and event counts)`,
          ),
        ],
        threadTs ? "┊" : "│",
      );
    else this.body(lines, threadTs ? "┊" : "│");
  }

  private printUpdated(args: Record<string, unknown>, response: Record<string, unknown>): void {
    const ts = String(args.ts);
    const message = (response.message ?? {}) as { edited?: { ts?: string } };
    const at = SlackTranscript.tsMillis(message.edited?.ts) ?? Date.now();
    const lines = renderMessage(
      { text: String(args.text ?? ""), blocks: parseBlocks(args.blocks) },
      this.ctx(at),
    );
    const before = this.seen.get(ts);
    const changes = diffLines(before?.lines ?? [], lines).filter((d) => d.kind !== " ");
    this.header(at, `${this.bot()} updates ${this.since(ts)} in place`);
    const gutter = before?.threadTs ? "┊" : "│";
    if (changes.length === 0) this.body([this.style.dim("(no visible change)")], gutter);
    else {
      // What is new is the story; what it replaced is shown when short (a status line, the buttons going away).
      const added = changes.filter((d) => d.kind === "+");
      const removed = changes.filter((d) => d.kind === "-");
      const showRemoved = removed.length <= 3 || added.length === 0;
      this.body(
        [
          ...added.map((d) => `${this.style.green("+")} ${d.line}`),
          ...(showRemoved
            ? removed.map((d) => this.style.dim(`- ${d.line}`))
            : [this.style.dim(`(replacing ${removed.length} lines of the previous version)`)]),
        ],
        gutter,
      );
    }
    this.seen.set(ts, {
      lines,
      gist: gistOf(lines),
      postedAt: before?.postedAt ?? at,
      ...(before?.threadTs ? { threadTs: before.threadTs } : {}),
    });
  }
}

/** Messages longer than this are folded when they repeat an earlier one. */
const FOLD_MIN_LINES = 5;

function gistOf(lines: string[]): string {
  return lines
    .join("\n")
    .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/g, "<time>")
    .replace(/×\d+/g, "×N")
    .replace(/\d+ sandbox events?/g, "N sandbox events");
}

function parseBlocks(blocks: unknown): unknown[] | undefined {
  if (Array.isArray(blocks)) return blocks;
  if (typeof blocks !== "string") return undefined;
  try {
    const parsed = JSON.parse(blocks) as unknown;
    return Array.isArray(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}
