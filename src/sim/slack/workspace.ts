/**
 * The simulated Slack workspace: its team, the app and bot user, people, user groups, and every channel's messages
 * with their threads. Plain state; the Web API and Socket Mode servers read and change it.
 */

export interface SlackUser {
  id: string;
  name: string;
  realName?: string;
}

export interface StoredMessage {
  ts: string;
  channel: string;
  /** The bot's user id for the app's own messages, else the author. */
  user: string;
  botId?: string;
  text: string;
  blocks?: unknown[];
  threadTs?: string;
  metadata?: { event_type: string; event_payload: Record<string, unknown> };
  edited?: { user: string; ts: string };
  replyCount: number;
}

export interface EphemeralMessage {
  messageTs: string;
  channel: string;
  user: string;
  text: string;
  blocks?: unknown[];
  threadTs?: string;
}

export interface UploadedFile {
  id: string;
  filename: string;
  title?: string;
  length: number;
  content?: string;
  channel?: string;
  threadTs?: string;
  completed: boolean;
}

export interface WorkspaceOptions {
  teamId?: string;
  teamDomain?: string;
  appId?: string;
  botUserId?: string;
  botId?: string;
  users?: SlackUser[];
  /** User group id (S…) → member user ids. */
  usergroups?: Record<string, string[]>;
  /** `member: false`: the app was never invited (default: it is a member). */
  channels?: { id: string; name: string; member?: boolean }[];
  /**
   * The bot token's granted scopes (default: the ones manifests/slack-app.yaml asks for). Sent back in every Web API
   * response's `x-oauth-scopes` header, and a method whose scope is missing answers `missing_scope`.
   */
  scopes?: string[];
}

/** What an app installed from manifests/slack-app.yaml is granted. */
export const DEFAULT_BOT_SCOPES = [
  "commands",
  "app_mentions:read",
  "chat:write",
  "files:write",
  "users:read",
  "usergroups:read",
  "channels:history",
  "groups:history",
];

export class Workspace {
  readonly teamId: string;
  readonly teamDomain: string;
  readonly appId: string;
  readonly botUserId: string;
  readonly botId: string;
  readonly users = new Map<string, SlackUser>();
  readonly usergroups = new Map<string, string[]>();
  readonly channels = new Map<string, { id: string; name: string; member?: boolean }>();
  readonly scopes: string[];
  /** Every message in every channel, in posting order. */
  readonly messages: StoredMessage[] = [];
  readonly ephemerals: EphemeralMessage[] = [];
  readonly files = new Map<string, UploadedFile>();
  private lastTs = 0;
  private counter = 0;

  constructor(options: WorkspaceOptions = {}) {
    this.teamId = options.teamId ?? "T0CNIDOCTR";
    this.teamDomain = options.teamDomain ?? "cni-doctor-sim";
    this.appId = options.appId ?? "A0CNIDOCTR";
    this.botUserId = options.botUserId ?? "U0CNIBOT01";
    this.botId = options.botId ?? "B0CNIBOT01";
    this.scopes = [...(options.scopes ?? DEFAULT_BOT_SCOPES)];
    this.users.set(this.botUserId, { id: this.botUserId, name: "cni-doctor", realName: "cni-doctor" });
    for (const u of options.users ?? []) this.users.set(u.id, u);
    for (const [id, members] of Object.entries(options.usergroups ?? {}))
      this.usergroups.set(id, [...members]);
    for (const c of options.channels ?? [{ id: "C0INCIDENT", name: "incidents" }]) this.channels.set(c.id, c);
  }

  /** Slack message timestamps: seconds, a dot and six digits, unique and increasing within the workspace. */
  nextTs(): string {
    const micros = Math.max(Date.now() * 1000, this.lastTs + 1);
    this.lastTs = micros;
    return `${Math.floor(micros / 1_000_000)}.${String(micros % 1_000_000).padStart(6, "0")}`;
  }

  nextId(prefix: string): string {
    this.counter += 1;
    return `${prefix}${String(this.counter).padStart(8, "0")}`;
  }

  /** Whether the app is in the channel; channels the workspace does not list are treated as joined. */
  isMember(id: string): boolean {
    return this.channels.get(id)?.member !== false;
  }

  channelName(id: string): string {
    return this.channels.get(id)?.name ?? id.toLowerCase();
  }

  find(channel: string, ts: string): StoredMessage | undefined {
    return this.messages.find((m) => m.channel === channel && m.ts === ts);
  }

  /** A thread as conversations.replies returns it: the parent first, then replies in order. */
  thread(channel: string, threadTs: string): StoredMessage[] {
    return this.messages.filter(
      (m) => m.channel === channel && (m.ts === threadTs || m.threadTs === threadTs),
    );
  }

  /** Posts a message as a person (the thread an incident starts from, a message to run a shortcut on). */
  postAsUser(user: string, channel: string, text: string, threadTs?: string): StoredMessage {
    const message: StoredMessage = {
      ts: this.nextTs(),
      channel,
      user,
      text,
      ...(threadTs ? { threadTs } : {}),
      replyCount: 0,
    };
    this.messages.push(message);
    if (threadTs) {
      const parent = this.find(channel, threadTs);
      if (parent) parent.replyCount += 1;
    }
    return message;
  }
}
