/**
 * The fake Slack Web API: `POST /api/<method>` with form-encoded or JSON arguments and a Bearer token, answered the
 * way Slack answers (HTTP 200 with `{ok:false, error}` for API errors, 429 with Retry-After for rate limits). Every
 * call is recorded with its arguments (never its token) and every message payload is checked against Block Kit limits.
 */
import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { checkMessagePayload, type LimitProblem, parseMaybeJson } from "./block-kit-limits.ts";
import type { StoredMessage, Workspace } from "./workspace.ts";

export interface RecordedCall {
  method: string;
  args: Record<string, unknown>;
  /** Which token the call carried: the bot token, the app-level token, none, or another one. */
  auth: "bot" | "app" | "none" | "invalid";
  status: number;
  response: Record<string, unknown>;
  /** The fault injected into this call, if any. */
  fault?: "ratelimited" | "server-error" | "server-error-after-applying";
}

export interface Fault {
  method: string;
  kind: "ratelimited" | "server-error" | "server-error-after-applying";
  /** Seconds in Retry-After for "ratelimited". */
  retryAfter?: number;
  /** How many calls it hits (default 1). */
  times?: number;
  /** Only calls whose arguments it accepts, e.g. posts into threads (default: every call of the method). */
  match?: (args: Record<string, unknown>) => boolean;
}

export interface LimitViolation {
  method: string;
  problems: LimitProblem[];
}

type Args = Record<string, unknown>;
type Answer = { status?: number; headers?: Record<string, string>; body: Record<string, unknown> };

export class FakeWebApi {
  readonly calls: RecordedCall[] = [];
  readonly violations: LimitViolation[] = [];
  private readonly faults: Fault[] = [];
  /** Called for apps.connections.open: returns a fresh WebSocket URL. */
  openConnection: () => string = () => {
    throw new Error("Socket Mode is not running on this fake");
  };

  private readonly workspace: Workspace;
  private readonly tokens: { bot: string; app: string };
  private readonly baseUrl: () => string;

  constructor(workspace: Workspace, tokens: { bot: string; app: string }, baseUrl: () => string) {
    this.workspace = workspace;
    this.tokens = tokens;
    this.baseUrl = baseUrl;
  }

  /**
   * How this workspace refuses files, as real Slack does while messages still work: an admin disabled uploads
   * (`file_uploads_disabled`) or the app was installed without `files:write` (`missing_scope`), both from
   * files.getUploadURLExternal; or the app is not in the channel (`not_in_channel`, from
   * files.completeUploadExternal, when the file is shared). Errors as listed on docs.slack.dev/reference/methods/
   * files.getUploadURLExternal and files.completeUploadExternal. Null: uploads work.
   */
  uploadRefusal: "file_uploads_disabled" | "missing_scope" | "not_in_channel" | null = null;

  inject(fault: Fault): void {
    this.faults.push({ ...fault, times: fault.times ?? 1 });
  }

  callsTo(method: string): RecordedCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  async handle(method: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    const args = parseArgs(raw, req.headers["content-type"] ?? "");
    const auth = this.authOf(req.headers.authorization, args);
    delete args.token;
    const fault = this.takeFault(method, args);
    let answer: Answer;
    if (fault?.kind === "ratelimited") {
      answer = {
        status: 429,
        headers: { "retry-after": String(fault.retryAfter ?? 1) },
        body: { ok: false, error: "ratelimited" },
      };
    } else if (fault?.kind === "server-error") {
      answer = { status: 500, body: { ok: false, error: "internal_error" } };
    } else {
      answer = this.answer(method, args, auth);
      if (fault?.kind === "server-error-after-applying") {
        // The call took effect, but the client is told it failed: a retry that does not check would post twice.
        answer = { status: 503, body: { ok: false, error: "service_unavailable" } };
      }
    }
    this.calls.push({
      method,
      args,
      auth,
      status: answer.status ?? 200,
      response: answer.body,
      ...(fault ? { fault: fault.kind } : {}),
    });
    res.writeHead(answer.status ?? 200, {
      "content-type": "application/json; charset=utf-8",
      // Every Web API response tells the token's scopes (docs.slack.dev/authentication/tokens: "x-oauth-scopes").
      ...(auth === "bot" ? { "x-oauth-scopes": this.workspace.scopes.join(",") } : {}),
      ...answer.headers,
    });
    res.end(JSON.stringify(answer.body));
  }

  private takeFault(method: string, args: Args): Fault | undefined {
    const i = this.faults.findIndex(
      (f) => f.method === method && (f.times ?? 0) > 0 && (f.match?.(args) ?? true),
    );
    if (i < 0) return undefined;
    const fault = this.faults[i] as Fault;
    fault.times = (fault.times ?? 1) - 1;
    return fault;
  }

  private authOf(header: string | undefined, args: Args): RecordedCall["auth"] {
    const token = header?.startsWith("Bearer ")
      ? header.slice(7)
      : typeof args.token === "string"
        ? args.token
        : "";
    if (token === "") return "none";
    if (token === this.tokens.bot) return "bot";
    if (token === this.tokens.app) return "app";
    return "invalid";
  }

  private answer(method: string, args: Args, auth: RecordedCall["auth"]): Answer {
    if (auth === "none") return { body: { ok: false, error: "not_authed" } };
    if (auth === "invalid") return { body: { ok: false, error: "invalid_auth" } };
    if (method === "apps.connections.open") {
      if (auth !== "app") return { body: { ok: false, error: "not_allowed_token_type" } };
      return { body: { ok: true, url: this.openConnection() } };
    }
    if (auth !== "bot") return { body: { ok: false, error: "not_allowed_token_type" } };
    const handler = this.methods[method];
    if (!handler) return { body: { ok: false, error: "unknown_method" } };
    const needed = METHOD_SCOPES[method];
    if (needed && !needed.some((scope) => this.workspace.scopes.includes(scope))) {
      // As Slack answers a call the token's scopes do not cover (docs.slack.dev/reference/methods/*: missing_scope).
      return {
        body: {
          ok: false,
          error: "missing_scope",
          needed: needed.join(","),
          provided: this.workspace.scopes.join(","),
        },
      };
    }
    return { body: handler(args) };
  }

  private limitsRefused(method: string, args: Args): Record<string, unknown> | undefined {
    const problems = checkMessagePayload(args);
    if (problems.length === 0) return undefined;
    this.violations.push({ method, problems });
    const tooLong = problems.some((p) => p.pointer === "/text" && p.problem.includes("max"));
    return {
      ok: false,
      error: tooLong ? "msg_too_long" : "invalid_blocks",
      errors: problems.map((p) => `${p.problem} [json-pointer:${p.pointer}]`),
      response_metadata: {
        messages: problems.map((p) => `[ERROR] ${p.problem} [json-pointer:${p.pointer}]`),
      },
    };
  }

  private readonly methods: Record<string, (args: Args) => Record<string, unknown>> = {
    "auth.test": () => ({
      ok: true,
      url: `https://${this.workspace.teamDomain}.slack.com/`,
      team: this.workspace.teamDomain,
      user: "cni-doctor",
      team_id: this.workspace.teamId,
      user_id: this.workspace.botUserId,
      bot_id: this.workspace.botId,
      is_enterprise_install: false,
    }),
    "chat.postMessage": (args) => {
      const channel = str(args.channel);
      if (!channel) return { ok: false, error: "channel_not_found" };
      const refused = this.limitsRefused("chat.postMessage", args);
      if (refused) return refused;
      const threadTs = str(args.thread_ts);
      if (threadTs && !this.workspace.find(channel, threadTs))
        return { ok: false, error: "thread_not_found" };
      const metadata = parseMaybeJson(args.metadata) as StoredMessage["metadata"] | undefined;
      const message: StoredMessage = {
        ts: this.workspace.nextTs(),
        channel,
        user: this.workspace.botUserId,
        botId: this.workspace.botId,
        text: str(args.text) ?? "",
        ...blocksOf(args),
        ...(threadTs ? { threadTs } : {}),
        ...(metadata ? { metadata } : {}),
        replyCount: 0,
      };
      this.workspace.messages.push(message);
      if (threadTs) {
        const parent = this.workspace.find(channel, threadTs);
        if (parent) parent.replyCount += 1;
      }
      return { ok: true, channel, ts: message.ts, message: asSlackMessage(message, true) };
    },
    "chat.update": (args) => {
      const channel = str(args.channel) ?? "";
      const message = this.workspace.find(channel, str(args.ts) ?? "");
      if (!message) return { ok: false, error: "message_not_found" };
      if (message.user !== this.workspace.botUserId) return { ok: false, error: "cant_update_message" };
      const refused = this.limitsRefused("chat.update", args);
      if (refused) return refused;
      if (typeof args.text === "string") message.text = args.text;
      // As in Slack: text without blocks removes the blocks.
      if (args.blocks !== undefined) message.blocks = parseMaybeJson(args.blocks) as unknown[];
      else if (typeof args.text === "string") delete message.blocks;
      message.edited = { user: this.workspace.botUserId, ts: this.workspace.nextTs() };
      return {
        ok: true,
        channel,
        ts: message.ts,
        text: message.text,
        message: asSlackMessage(message, true),
      };
    },
    "chat.postEphemeral": (args) => {
      const channel = str(args.channel);
      const user = str(args.user);
      if (!channel) return { ok: false, error: "channel_not_found" };
      if (!user || !this.workspace.users.has(user)) return { ok: false, error: "user_not_in_channel" };
      const refused = this.limitsRefused("chat.postEphemeral", args);
      if (refused) return refused;
      const messageTs = this.workspace.nextTs();
      const threadTs = str(args.thread_ts);
      this.workspace.ephemerals.push({
        messageTs,
        channel,
        user,
        text: str(args.text) ?? "",
        ...blocksOf(args),
        ...(threadTs ? { threadTs } : {}),
      });
      return { ok: true, message_ts: messageTs };
    },
    "chat.getPermalink": (args) => {
      const channel = str(args.channel) ?? "";
      const ts = str(args.message_ts) ?? "";
      if (!this.workspace.find(channel, ts)) return { ok: false, error: "message_not_found" };
      return {
        ok: true,
        channel,
        permalink: `https://${this.workspace.teamDomain}.slack.com/archives/${channel}/p${ts.replace(".", "")}`,
      };
    },
    "conversations.info": (args) => {
      const id = str(args.channel) ?? "";
      return {
        ok: true,
        channel: {
          id,
          name: this.workspace.channelName(id),
          is_channel: true,
          is_member: this.workspace.isMember(id),
          is_archived: false,
        },
      };
    },
    "conversations.replies": (args) => {
      const channel = str(args.channel) ?? "";
      const ts = str(args.ts) ?? "";
      const parent = this.workspace.find(channel, ts);
      if (!parent) return { ok: false, error: "thread_not_found" };
      const threadTs = parent.threadTs ?? parent.ts;
      const withMetadata = truthy(args.include_all_metadata);
      const messages = this.workspace
        .thread(channel, threadTs)
        .filter((m) => inRange(m.ts, args))
        .map((m) => asSlackMessage(m, withMetadata));
      return { ok: true, messages, has_more: false, response_metadata: { next_cursor: "" } };
    },
    "conversations.history": (args) => {
      const channel = str(args.channel) ?? "";
      // A bot reads only channels it was invited to (docs.slack.dev/reference/methods/conversations.history).
      if (!this.workspace.isMember(channel)) return { ok: false, error: "not_in_channel" };
      const withMetadata = truthy(args.include_all_metadata);
      const messages = this.workspace.messages
        .filter((m) => m.channel === channel && !m.threadTs && inRange(m.ts, args))
        .reverse()
        .map((m) => asSlackMessage(m, withMetadata));
      return { ok: true, messages, has_more: false, response_metadata: { next_cursor: "" } };
    },
    "users.info": (args) => {
      const user = this.workspace.users.get(str(args.user) ?? "");
      if (!user) return { ok: false, error: "user_not_found" };
      return {
        ok: true,
        user: {
          id: user.id,
          team_id: this.workspace.teamId,
          name: user.name,
          real_name: user.realName ?? user.name,
          is_bot: user.id === this.workspace.botUserId,
          profile: { display_name: user.name, real_name: user.realName ?? user.name },
        },
      };
    },
    "usergroups.users.list": (args) => {
      const members = this.workspace.usergroups.get(str(args.usergroup) ?? "");
      if (!members) return { ok: false, error: "no_such_subteam" };
      return { ok: true, users: [...members] };
    },
    "files.getUploadURLExternal": (args) => {
      if (this.uploadRefusal === "file_uploads_disabled")
        return { ok: false, error: "file_uploads_disabled" };
      if (this.uploadRefusal === "missing_scope") {
        return { ok: false, error: "missing_scope", needed: "files:write", provided: "chat:write,commands" };
      }
      const filename = str(args.filename);
      const length = Number(args.length);
      if (!filename || !Number.isInteger(length) || length <= 0)
        return { ok: false, error: "invalid_arguments" };
      const id = this.workspace.nextId("F");
      this.workspace.files.set(id, { id, filename, length, completed: false });
      return { ok: true, upload_url: `${this.baseUrl()}upload/${id}`, file_id: id };
    },
    "files.completeUploadExternal": (args) => {
      const list = parseMaybeJson(args.files);
      if (!Array.isArray(list) || list.length === 0) return { ok: false, error: "invalid_arguments" };
      if (this.uploadRefusal === "not_in_channel" && str(args.channel_id))
        return { ok: false, error: "not_in_channel" };
      const files: Record<string, unknown>[] = [];
      for (const entry of list as { id?: string; title?: string }[]) {
        const file = this.workspace.files.get(entry.id ?? "");
        if (!file || file.content === undefined) return { ok: false, error: "file_not_found" };
        file.completed = true;
        if (entry.title) file.title = entry.title;
        const channel = str(args.channel_id);
        const threadTs = str(args.thread_ts);
        if (channel) file.channel = channel;
        if (threadTs) file.threadTs = threadTs;
        files.push({ id: file.id, name: file.filename, title: file.title ?? file.filename });
      }
      return { ok: true, files };
    },
  };

  /** The upload step of files.uploadV2: the client POSTs the bytes to the URL getUploadURLExternal returned. */
  async handleUpload(fileId: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    const file = this.workspace.files.get(fileId);
    if (!file) {
      res.writeHead(404).end("no such upload");
      return;
    }
    file.content = extractUploadContent(raw, req.headers["content-type"] ?? "");
    res.writeHead(200, { "content-type": "text/plain" }).end(`OK - ${raw.length}`);
  }
}

function asSlackMessage(m: StoredMessage, withMetadata: boolean): Record<string, unknown> {
  return {
    type: "message",
    user: m.user,
    ...(m.botId ? { bot_id: m.botId, app_id: "A0CNIDOCTR" } : {}),
    text: m.text,
    ts: m.ts,
    ...(m.blocks ? { blocks: m.blocks } : {}),
    ...(m.threadTs
      ? { thread_ts: m.threadTs }
      : m.replyCount > 0
        ? { thread_ts: m.ts, reply_count: m.replyCount }
        : {}),
    ...(m.edited ? { edited: m.edited } : {}),
    ...(withMetadata && m.metadata ? { metadata: m.metadata } : {}),
  };
}

function blocksOf(args: Args): { blocks?: unknown[] } {
  const blocks = parseMaybeJson(args.blocks);
  return Array.isArray(blocks) ? { blocks } : {};
}

function inRange(ts: string, args: Args): boolean {
  const oldest = str(args.oldest);
  const latest = str(args.latest);
  if (oldest && Number(ts) < Number(oldest)) return false;
  if (latest && Number(ts) > Number(latest)) return false;
  return true;
}

const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);
const truthy = (v: unknown) => v === true || v === "true" || v === "1";

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

function parseArgs(raw: Buffer, contentType: string): Args {
  const text = raw.toString("utf8");
  if (contentType.startsWith("application/json")) {
    const parsed = parseMaybeJson(text);
    return typeof parsed === "object" && parsed !== null ? { ...(parsed as Args) } : {};
  }
  return Object.fromEntries(new URLSearchParams(text));
}

/** The WebClient sends the bytes as a multipart form field; keep the text of the first part. */
function extractUploadContent(raw: Buffer, contentType: string): string {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/.exec(contentType);
  if (!boundary) return raw.toString("utf8");
  const marker = `--${boundary[1] ?? boundary[2]}`;
  const part = raw.toString("utf8").split(marker)[1] ?? "";
  const bodyStart = part.indexOf("\r\n\r\n");
  return bodyStart < 0 ? "" : part.slice(bodyStart + 4).replace(/\r\n$/, "");
}

export const newEnvelopeId = () => randomUUID();

/**
 * The bot-token scopes each method needs, any one of them (docs.slack.dev/reference/methods/<method>, "Required
 * scopes"). conversations.history needs the history scope of the channel's kind; the fake has public channels only.
 */
const METHOD_SCOPES: Record<string, string[]> = {
  "chat.postMessage": ["chat:write"],
  "chat.update": ["chat:write"],
  "chat.postEphemeral": ["chat:write"],
  "conversations.info": ["channels:read", "groups:read"],
  "conversations.replies": ["channels:history", "groups:history"],
  "conversations.history": ["channels:history", "groups:history"],
  "users.info": ["users:read"],
  "usergroups.users.list": ["usergroups:read"],
  "files.getUploadURLExternal": ["files:write"],
  "files.completeUploadExternal": ["files:write"],
};
