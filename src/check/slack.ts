/**
 * The Slack side of `check`, read-only: the bot token works (auth.test), its granted scopes (the `x-oauth-scopes`
 * header Slack sends with every Web API answer) cover what the bot calls, the bot is in each incident channel, and
 * every approver and user group resolves. Plain HTTPS to the Web API (no Bolt: src/slack is its only importer).
 * The token is never shown: only its fingerprint.
 */
import { createHash } from "node:crypto";
import { type CheckLine, fail, note, pass } from "./model.ts";

/** The bot-token scopes the bot uses, and what for; test/check/slack-scopes.test.ts holds it to manifests/slack-app.yaml. */
export const REQUIRED_SCOPES: Readonly<Record<string, string>> = {
  commands: "/cni",
  "app_mentions:read": "@cni-doctor in threads",
  "chat:write": "posting the thread, the plan and its updates",
  "files:write": "attaching the full diagnosis or plan",
  "users:read": "the approver's name in the audit record",
  "usergroups:read": "user-group approvers",
  "channels:history": "finding a message after an ambiguous Slack failure (public channels)",
  "groups:history": "the same in private channels",
};

export interface SlackCheckInput {
  apiUrl: string;
  botToken: string;
  /** Incident channels (ids), e.g. the keys of CNI_DOCTOR_CHANNEL_CLUSTERS. */
  channels: string[];
  approverIds: string[];
  approverGroups: string[];
  timeoutMs: number;
}

interface SlackAnswer {
  body: Record<string, unknown>;
  scopes: string[] | undefined;
}

export function tokenFingerprint(token: string): string {
  return `sha256:${createHash("sha256").update(token).digest("hex").slice(0, 12)}`;
}

async function callSlack(
  input: SlackCheckInput,
  method: string,
  args: Record<string, string>,
): Promise<SlackAnswer> {
  const res = await fetch(new URL(method, input.apiUrl), {
    method: "POST",
    headers: {
      authorization: `Bearer ${input.botToken}`,
      "content-type": "application/x-www-form-urlencoded",
    },
    body: new URLSearchParams(args).toString(),
    signal: AbortSignal.timeout(input.timeoutMs),
  });
  const header = res.headers.get("x-oauth-scopes");
  const body = (await res.json().catch(() => ({ ok: false, error: `HTTP ${res.status}` }))) as Record<
    string,
    unknown
  >;
  if (res.status === 429) body.error = "ratelimited";
  return {
    body,
    scopes:
      header === null
        ? undefined
        : header
            .split(",")
            .map((s) => s.trim())
            .filter(Boolean),
  };
}

const errorOf = (a: SlackAnswer) => String(a.body.error ?? "unknown_error");

export async function checkSlack(input: SlackCheckInput): Promise<CheckLine[]> {
  const fp = tokenFingerprint(input.botToken);
  let auth: SlackAnswer;
  try {
    auth = await callSlack(input, "auth.test", {});
  } catch (err) {
    return [
      fail(
        "slack",
        "slack:token",
        `Slack Web API ${input.apiUrl} did not answer: ${(err as Error).message}`,
        "check egress to Slack (443) and SLACK_API_URL",
      ),
    ];
  }
  if (auth.body.ok !== true) {
    return [
      fail(
        "slack",
        "slack:token",
        `the bot token (${fp}) was refused by auth.test: ${errorOf(auth)}`,
        "set SLACK_BOT_TOKEN to the app's current Bot User OAuth Token (reinstall the app if it was revoked)",
      ),
    ];
  }
  const lines = [
    pass(
      "slack",
      "slack:token",
      `bot token ${fp} works: ${String(auth.body.user)} (${String(auth.body.user_id)}) in ${String(auth.body.team)}`,
    ),
  ];
  lines.push(...scopeLines(auth.scopes));
  lines.push(...(await channelLines(input)));
  lines.push(...(await approverLines(input)));
  return lines;
}

function scopeLines(granted: string[] | undefined): CheckLine[] {
  if (granted === undefined)
    return [
      note(
        "slack",
        "slack:scopes",
        "Slack did not say which scopes the token has (no x-oauth-scopes header)",
      ),
    ];
  const missing = Object.keys(REQUIRED_SCOPES).filter((s) => !granted.includes(s));
  const fix =
    "add it under oauth_config.scopes.bot (manifests/slack-app.yaml has them all) and reinstall the app";
  const lines = missing.map((s) =>
    fail(
      "slack",
      `slack:scope:${s}`,
      `the bot token lacks scope ${s} (needed for ${REQUIRED_SCOPES[s]})`,
      fix,
    ),
  );
  if (missing.length === 0)
    lines.push(
      pass(
        "slack",
        "slack:scopes",
        `granted scopes cover what the bot calls (${Object.keys(REQUIRED_SCOPES).length} scopes)`,
      ),
    );
  lines.push(
    granted.includes("files:write")
      ? note(
          "slack",
          "slack:files",
          "file uploads: files:write granted (an admin switch that disables uploads shows only on the first upload; the thread then says so)",
        )
      : note(
          "slack",
          "slack:files",
          "file uploads: not allowed (no files:write), so long diagnoses and plans are cut short in the thread",
        ),
  );
  return lines;
}

async function channelLines(input: SlackCheckInput): Promise<CheckLine[]> {
  if (input.channels.length === 0)
    return [
      note(
        "slack",
        "slack:channels",
        "no incident channel configured (CNI_DOCTOR_CHANNEL_CLUSTERS): membership not checked",
      ),
    ];
  return Promise.all(
    input.channels.map(async (channel) => {
      const id = `slack:channel:${channel}`;
      try {
        const a = await callSlack(input, "conversations.history", { channel, limit: "1" });
        if (a.body.ok === true) return pass("slack", id, `the bot is in channel ${channel}`);
        const e = errorOf(a);
        if (e === "not_in_channel")
          return fail(
            "slack",
            id,
            `the bot is not in channel ${channel}`,
            `/invite @cni-doctor in <#${channel}>`,
          );
        return fail(
          "slack",
          id,
          `channel ${channel} could not be checked: ${e}`,
          e === "channel_not_found"
            ? "check the channel id in CNI_DOCTOR_CHANNEL_CLUSTERS"
            : "see Slack's error; reinstall the app from manifests/slack-app.yaml",
        );
      } catch (err) {
        return fail(
          "slack",
          id,
          `channel ${channel} could not be checked: ${(err as Error).message}`,
          "check egress to Slack",
        );
      }
    }),
  );
}

const failedCall = (err: Error): SlackAnswer => ({
  body: { ok: false, error: err.message },
  scopes: undefined,
});

async function approverLines(input: SlackCheckInput): Promise<CheckLine[]> {
  const users = input.approverIds.map(async (user) => {
    const a = await callSlack(input, "users.info", { user }).catch(failedCall);
    const id = `slack:approver:${user}`;
    if (a.body.ok === true)
      return pass(
        "slack",
        id,
        `approver ${user} resolves (${String((a.body.user as { name?: string } | undefined)?.name ?? "?")})`,
      );
    return fail(
      "slack",
      id,
      `approver ${user} does not resolve: ${errorOf(a)}`,
      "fix the id in CNI_DOCTOR_APPROVERS (Slack user ids start with U or W)",
    );
  });
  const groups = input.approverGroups.map(async (usergroup) => {
    const a = await callSlack(input, "usergroups.users.list", { usergroup }).catch(failedCall);
    const id = `slack:approver-group:${usergroup}`;
    if (a.body.ok === true)
      return pass(
        "slack",
        id,
        `approver group ${usergroup} resolves (${(a.body.users as unknown[] | undefined)?.length ?? 0} members)`,
      );
    return fail(
      "slack",
      id,
      `approver group ${usergroup} does not resolve: ${errorOf(a)}`,
      "fix the id in CNI_DOCTOR_APPROVERS (user groups start with S)",
    );
  });
  const lines = await Promise.all([...users, ...groups]);
  if (lines.length === 0)
    lines.push(
      fail(
        "slack",
        "slack:approvers",
        "no Slack approvers (CNI_DOCTOR_APPROVERS): nobody can approve a fix in Slack",
        "set CNI_DOCTOR_APPROVERS to Slack user (U…) and user-group (S…) ids",
      ),
    );
  return lines;
}
