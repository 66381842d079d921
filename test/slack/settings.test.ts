/** `serve`'s settings are validated at start with messages that name the variable and never echo a secret. */
import { describe, expect, it } from "vitest";
import { ConfigError, loadSlackSettings } from "../../src/config.ts";

const bot = "xoxb-1111-2222-abcdefabcdefabcdef";

describe("Slack settings", () => {
  it("chooses Socket Mode with an app token, HTTP with a signing secret", () => {
    const socket = loadSlackSettings({ SLACK_BOT_TOKEN: bot, SLACK_APP_TOKEN: "xapp-1-A1-2-abc" });
    expect(socket.appToken).toBe("xapp-1-A1-2-abc");
    expect(socket.port).toBe(3000);
    const http = loadSlackSettings({
      SLACK_BOT_TOKEN: bot,
      SLACK_SIGNING_SECRET: "0123456789abcdef0123",
      PORT: "8080",
      SLACK_API_URL: "https://slack-gov.com/api",
      CNI_DOCTOR_APPROVERS: "U0AAA,S0BBB,cli:ops",
      CNI_DOCTOR_CLUSTERS: "prod,staging",
      CNI_DOCTOR_CHANNEL_CLUSTERS: "C0INC=prod",
    });
    expect(http).toMatchObject({
      port: 8080,
      apiUrl: "https://slack-gov.com/api/",
      approverIds: ["U0AAA"],
      approverGroups: ["S0BBB"],
      clusters: ["prod", "staging"],
      channelClusters: { C0INC: "prod" },
    });
  });

  it("names each problem and what to set, without echoing values", () => {
    const secretish = "xoxp-user-token-should-not-be-echoed";
    const attempt = () =>
      loadSlackSettings({
        SLACK_BOT_TOKEN: secretish,
        PORT: "70000",
        CNI_DOCTOR_CHANNEL_CLUSTERS: "general=prod",
        CNI_DOCTOR_APPROVERS: "alice",
      });
    expect(attempt).toThrow(ConfigError);
    try {
      attempt();
    } catch (err) {
      const message = (err as Error).message;
      expect(message).toContain("SLACK_BOT_TOKEN must be a bot token starting with xoxb-");
      expect(message).toContain("PORT");
      expect(message).not.toContain(secretish);
    }
    expect(() => loadSlackSettings({ SLACK_BOT_TOKEN: bot })).toThrow(
      /SLACK_APP_TOKEN or SLACK_SIGNING_SECRET is required/,
    );
    expect(() => loadSlackSettings({})).toThrow(/SLACK_BOT_TOKEN is required/);
  });
});
