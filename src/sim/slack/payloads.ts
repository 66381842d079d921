/**
 * What Slack sends an app, in Slack's own shapes: slash commands (form fields), block_actions and message_action
 * payloads (interactivity), and Events API callbacks. The same payloads travel over HTTP (signed) or inside Socket
 * Mode envelopes. Shapes follow docs.slack.dev (slash commands, block_actions payload, message shortcuts, app_mention)
 * and the fields bolt-js reads.
 */
import { randomUUID } from "node:crypto";
import type { StoredMessage, Workspace } from "./workspace.ts";

export interface SlashCommandInput {
  user: string;
  channel: string;
  text: string;
  command?: string;
}

/** The form fields of a slash command, as strings (HTTP sends them form-encoded; Socket Mode as JSON). */
export function slashCommandPayload(ws: Workspace, input: SlashCommandInput): Record<string, string> {
  return {
    token: "legacy-verification-token-unused",
    team_id: ws.teamId,
    team_domain: ws.teamDomain,
    channel_id: input.channel,
    channel_name: ws.channelName(input.channel),
    user_id: input.user,
    user_name: ws.users.get(input.user)?.name ?? input.user,
    command: input.command ?? "/cni",
    text: input.text,
    api_app_id: ws.appId,
    is_enterprise_install: "false",
    response_url: `https://hooks.slack.com/commands/${ws.teamId}/${Date.now()}/${randomUUID()}`,
    trigger_id: triggerId(),
  };
}

export interface ButtonClickInput {
  user: string;
  /** The message the button is on, as stored in the workspace. */
  message: StoredMessage;
  actionId: string;
}

/** A block_actions payload for a click on a button of a message the app posted. */
export function blockActionsPayload(ws: Workspace, input: ButtonClickInput): Record<string, unknown> {
  const { message } = input;
  const button = findButton(message, input.actionId);
  if (!button) {
    throw new Error(
      `message ${message.ts} in ${message.channel} has no button with action_id ${input.actionId}; it has: ${buttonsOf(
        message,
      )
        .map((b) => b.element.action_id)
        .join(", ")}`,
    );
  }
  const user = ws.users.get(input.user);
  return {
    type: "block_actions",
    user: {
      id: input.user,
      username: user?.name ?? input.user,
      name: user?.name ?? input.user,
      team_id: ws.teamId,
    },
    api_app_id: ws.appId,
    token: "legacy-verification-token-unused",
    container: {
      type: "message",
      message_ts: message.ts,
      channel_id: message.channel,
      is_ephemeral: false,
      ...(message.threadTs ? { thread_ts: message.threadTs } : {}),
    },
    trigger_id: triggerId(),
    team: { id: ws.teamId, domain: ws.teamDomain },
    enterprise: null,
    is_enterprise_install: false,
    channel: { id: message.channel, name: ws.channelName(message.channel) },
    message: {
      type: "message",
      user: message.user,
      ...(message.botId ? { bot_id: message.botId } : {}),
      text: message.text,
      ts: message.ts,
      ...(message.threadTs ? { thread_ts: message.threadTs } : {}),
      blocks: message.blocks ?? [],
    },
    state: { values: {} },
    response_url: `https://hooks.slack.com/actions/${ws.teamId}/${Date.now()}/${randomUUID()}`,
    actions: [
      {
        action_id: button.element.action_id,
        block_id: button.blockId,
        text: { type: "plain_text", text: button.element.text?.text ?? "", emoji: true },
        ...(button.element.value !== undefined ? { value: button.element.value } : {}),
        ...(button.element.style ? { style: button.element.style } : {}),
        type: "button",
        action_ts: nowTs(),
      },
    ],
  };
}

export interface MentionInput {
  user: string;
  channel: string;
  /** The text after the mention, e.g. "diagnose". */
  text: string;
  /** The thread the mention is posted in; absent for a top-level mention. */
  threadTs?: string;
}

/** An Events API callback for an app_mention; the mention itself is also stored as a message in the workspace. */
export function appMentionPayload(ws: Workspace, input: MentionInput): Record<string, unknown> {
  const text = `<@${ws.botUserId}> ${input.text}`;
  const message = ws.postAsUser(input.user, input.channel, text, input.threadTs);
  return {
    token: "legacy-verification-token-unused",
    team_id: ws.teamId,
    api_app_id: ws.appId,
    event: {
      type: "app_mention",
      user: input.user,
      text,
      ts: message.ts,
      channel: input.channel,
      event_ts: message.ts,
      ...(input.threadTs ? { thread_ts: input.threadTs } : {}),
    },
    type: "event_callback",
    event_id: `Ev${randomUUID().replaceAll("-", "").slice(0, 10).toUpperCase()}`,
    event_time: Math.floor(Date.now() / 1000),
    authorizations: [
      {
        enterprise_id: null,
        team_id: ws.teamId,
        user_id: ws.botUserId,
        is_bot: true,
        is_enterprise_install: false,
      },
    ],
    is_ext_shared_channel: false,
    event_context: `4-${randomUUID()}`,
  };
}

export interface MessageShortcutInput {
  user: string;
  message: StoredMessage;
  callbackId: string;
}

/** A message_action payload: someone chose the app's message shortcut on a message. */
export function messageShortcutPayload(ws: Workspace, input: MessageShortcutInput): Record<string, unknown> {
  const { message } = input;
  return {
    type: "message_action",
    token: "legacy-verification-token-unused",
    action_ts: nowTs(),
    team: { id: ws.teamId, domain: ws.teamDomain },
    user: { id: input.user, name: ws.users.get(input.user)?.name ?? input.user },
    channel: { id: message.channel, name: ws.channelName(message.channel) },
    is_enterprise_install: false,
    enterprise: null,
    callback_id: input.callbackId,
    trigger_id: triggerId(),
    response_url: `https://hooks.slack.com/app/${ws.teamId}/${Date.now()}/${randomUUID()}`,
    message_ts: message.ts,
    message: {
      type: "message",
      user: message.user,
      text: message.text,
      ts: message.ts,
      ...(message.threadTs ? { thread_ts: message.threadTs } : {}),
    },
  };
}

interface FoundButton {
  blockId: string;
  element: { action_id?: string; value?: string; style?: string; text?: { text?: string } };
}

function buttonsOf(message: StoredMessage): FoundButton[] {
  const out: FoundButton[] = [];
  for (const block of (message.blocks ?? []) as {
    type?: string;
    block_id?: string;
    elements?: unknown[];
  }[]) {
    if (block.type !== "actions") continue;
    for (const element of (block.elements ?? []) as FoundButton["element"][] & { type?: string }[]) {
      if ((element as { type?: string }).type === "button")
        out.push({ blockId: block.block_id ?? "", element });
    }
  }
  return out;
}

function findButton(message: StoredMessage, actionId: string): FoundButton | undefined {
  return buttonsOf(message).find((b) => b.element.action_id === actionId);
}

const triggerId = () =>
  `${Date.now()}.${Math.floor(Math.random() * 1e12)}.${randomUUID().replaceAll("-", "")}`;
const nowTs = () => (Date.now() / 1000).toFixed(6);
