/**
 * `serve` runs the checks at start: failures are logged with their fix and /readyz's body carries the outcome,
 * while readiness itself stays what the Slack connection and the API server make it.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkInstallationAtStart } from "../../src/check/startup.ts";
import { loadConfig, loadSlackSettings } from "../../src/config.ts";
import { opsRoutes, Readiness, startOpsServer } from "../../src/ops/health.ts";
import { type RunningSimulatedCluster, startSimulatedCluster } from "../../src/sim/index.ts";
import { DEFAULT_BOT_SCOPES, type FakeSlack, startFakeSlack } from "../../src/sim/slack/index.ts";

const BOT_TOKEN = "xoxb-1111111111-2222222222-startupstartupstartupst";
let sim: RunningSimulatedCluster;
let slack: FakeSlack;
let dir: string;

beforeAll(async () => {
  sim = await startSimulatedCluster({ scenario: "healthy", port: 0, sshNodes: false });
  slack = await startFakeSlack({
    botToken: BOT_TOKEN,
    appToken: "xapp-1-A0CNIDOCTR-3333333333-0123456789abcdef0123456789abcdef",
    signingSecret: "0123456789abcdef0123456789abcdef",
    users: [{ id: "U0ALICE", name: "alice" }],
    scopes: DEFAULT_BOT_SCOPES.filter((s) => s !== "chat:write"),
  });
  dir = await mkdtemp(join(tmpdir(), "cni-doctor-startup-"));
  await writeFile(join(dir, "kubeconfig"), sim.kubeconfig(), { mode: 0o600 });
}, 60_000);

afterAll(async () => {
  await slack?.stop();
  await sim?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("the installation check at serve start", () => {
  it("logs each failure with its fix and puts the outcome in /readyz's body", async () => {
    const env = {
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_APP_TOKEN: "xapp-1-A0CNIDOCTR-3333333333-0123456789abcdef0123456789abcdef",
      SLACK_API_URL: slack.apiUrl,
      CNI_DOCTOR_APPROVERS: "U0ALICE",
      CNI_DOCTOR_NODE_ACCESS: "none",
    };
    const readiness = new Readiness({ kubeWindowMs: 30_000 });
    const logged: Array<{ level: string; fields: object; message: string }> = [];
    const logger = {
      info: (fields: object, message: string) => logged.push({ level: "info", fields, message }),
      warn: (fields: object, message: string) => logged.push({ level: "warn", fields, message }),
    };
    await checkInstallationAtStart(
      {
        config: loadConfig(env),
        slack: loadSlackSettings(env),
        kubeconfigPath: join(dir, "kubeconfig"),
        env,
      },
      logger,
      (r) => readiness.installationChecked(r),
    );
    const failure = logged.find((l) => l.message.includes("lacks scope chat:write"));
    expect(failure?.level).toBe("warn");
    expect(failure?.fields).toMatchObject({ check: "slack:scope:chat:write" });
    expect(JSON.stringify(logged)).not.toContain(BOT_TOKEN);

    readiness.slackConnection(true, "connected");
    readiness.kubeAnswered();
    const ops = await startOpsServer(
      0,
      opsRoutes({ readiness, metrics: { render: async () => ({ contentType: "text/plain", body: "" }) } }),
      "127.0.0.1",
    );
    try {
      const res = await fetch(`${ops.url}/readyz`);
      expect(res.status).toBe(200);
      const body = (await res.json()) as {
        status: string;
        check: { state: string; failed: string[]; summary: string };
      };
      expect(body.status).toBe("ready");
      expect(body.check.state).toBe("failed");
      expect(body.check.failed).toContain("slack:scope:chat:write");
      expect(body.check.summary).toMatch(/\d+ passed, \d+ failed/);
    } finally {
      await ops.close();
    }
  }, 60_000);
});
