/**
 * The Slack checks against the local Slack (src/sim/slack), which answers as Slack does: `x-oauth-scopes` on every
 * answer, `not_in_channel` for a channel the app was not invited to, `user_not_found` / `no_such_subteam`.
 */
import { afterEach, describe, expect, it } from "vitest";
import { checkSlack, tokenFingerprint } from "../../src/check/slack.ts";
import { DEFAULT_BOT_SCOPES, type FakeSlack, startFakeSlack } from "../../src/sim/slack/index.ts";

const BOT_TOKEN = "xoxb-1111111111-2222222222-checkcheckcheckcheckchk";
let slack: FakeSlack | undefined;

async function start(options: { scopes?: string[]; member?: boolean } = {}): Promise<FakeSlack> {
  slack = await startFakeSlack({
    botToken: BOT_TOKEN,
    appToken: "xapp-1-A0CNIDOCTR-3333333333-0123456789abcdef0123456789abcdef",
    signingSecret: "0123456789abcdef0123456789abcdef",
    users: [{ id: "U0ALICE", name: "alice" }],
    usergroups: { S0ONCALL: ["U0ALICE"] },
    channels: [{ id: "C0INCIDENT", name: "incidents", member: options.member ?? true }],
    ...(options.scopes ? { scopes: options.scopes } : {}),
  });
  return slack;
}

const input = (s: FakeSlack, over: Partial<Parameters<typeof checkSlack>[0]> = {}) => ({
  apiUrl: s.apiUrl,
  botToken: BOT_TOKEN,
  channels: ["C0INCIDENT"],
  approverIds: ["U0ALICE"],
  approverGroups: ["S0ONCALL"],
  timeoutMs: 5000,
  ...over,
});

afterEach(async () => {
  await slack?.stop();
  slack = undefined;
});

describe("Slack checks", () => {
  it("pass for an app installed from manifests/slack-app.yaml, showing only the token's fingerprint", async () => {
    const s = await start();
    const lines = await checkSlack(input(s));
    expect(lines.filter((l) => l.status === "fail")).toEqual([]);
    expect(lines.map((l) => l.id)).toEqual(
      expect.arrayContaining([
        "slack:token",
        "slack:scopes",
        "slack:channel:C0INCIDENT",
        "slack:approver:U0ALICE",
        "slack:approver-group:S0ONCALL",
      ]),
    );
    const text = JSON.stringify(lines);
    expect(text).not.toContain(BOT_TOKEN);
    expect(text).toContain(tokenFingerprint(BOT_TOKEN));
  });

  it("names the scope the token lacks", async () => {
    const s = await start({ scopes: DEFAULT_BOT_SCOPES.filter((x) => x !== "usergroups:read") });
    const lines = await checkSlack(input(s));
    const missing = lines.find((l) => l.id === "slack:scope:usergroups:read");
    expect(missing?.status).toBe("fail");
    expect(missing?.summary).toContain("lacks scope usergroups:read");
    expect(missing?.fix).toContain("manifests/slack-app.yaml");
    // The group approver cannot be resolved without it either, and says why.
    expect(lines.find((l) => l.id === "slack:approver-group:S0ONCALL")?.summary).toContain("missing_scope");
  });

  it("notes that file uploads are not allowed without files:write", async () => {
    const s = await start({ scopes: DEFAULT_BOT_SCOPES.filter((x) => x !== "files:write") });
    const lines = await checkSlack(input(s));
    expect(lines.find((l) => l.id === "slack:scope:files:write")?.status).toBe("fail");
    expect(lines.find((l) => l.id === "slack:files")?.summary).toContain("not allowed");
  });

  it("says the bot is not in the incident channel, and approvers that do not resolve", async () => {
    const s = await start({ member: false });
    const lines = await checkSlack(
      input(s, { approverIds: ["U0ALICE", "U0NOBODY"], approverGroups: ["S0NOSUCH"] }),
    );
    expect(lines.find((l) => l.id === "slack:channel:C0INCIDENT")).toMatchObject({
      status: "fail",
      fix: "/invite @cni-doctor in <#C0INCIDENT>",
    });
    expect(lines.find((l) => l.id === "slack:approver:U0NOBODY")?.summary).toContain("user_not_found");
    expect(lines.find((l) => l.id === "slack:approver-group:S0NOSUCH")?.summary).toContain("no_such_subteam");
    expect(lines.find((l) => l.id === "slack:approver:U0ALICE")?.status).toBe("pass");
  });

  it("fails on a token Slack refuses", async () => {
    const s = await start();
    const lines = await checkSlack(input(s, { botToken: "xoxb-0-0-revoked" }));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ id: "slack:token", status: "fail" });
    expect(lines[0]?.summary).toContain("invalid_auth");
  });
});
