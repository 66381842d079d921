/** The operations settings: validated with messages naming the variable, and `.env` read under the environment. */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig, loadSlackSettings, withDotenvFile } from "../../src/config.ts";
import { startOpsServer } from "../../src/ops/health.ts";

const SLACK = { SLACK_BOT_TOKEN: "xoxb-1-2-abc", SLACK_APP_TOKEN: "xapp-1-A-2-def" };

describe("operations settings", () => {
  it("has defaults below the Deployment's grace period", () => {
    expect(loadConfig({}).logLevel).toBe("info");
    const slack = loadSlackSettings(SLACK);
    expect(slack.shutdownTimeoutMs).toBe(25_000);
    expect(slack.shutdownTimeoutMs).toBeLessThan(60_000);
    expect(slack.kubeReadyWindowMs).toBe(30_000);
  });

  it("binds PORT to every interface unless HOST names one", async () => {
    expect(loadSlackSettings(SLACK).host).toBeUndefined();
    expect(loadSlackSettings({ ...SLACK, HOST: "127.0.0.1" }).host).toBe("127.0.0.1");
    expect(() => loadSlackSettings({ ...SLACK, HOST: "not a host!" })).toThrow(/HOST/);
    const ops = await startOpsServer(0, [], "127.0.0.1");
    try {
      const res = await fetch(`${ops.url}/healthz`);
      expect(res.status).toBe(404);
    } finally {
      await ops.close();
    }
  });

  it("refuses bad values, naming the variable", () => {
    expect(() => loadConfig({ LOG_LEVEL: "verbose" })).toThrow(
      /LOG_LEVEL: must be one of fatal, error, warn, info/,
    );
    expect(() => loadSlackSettings({ ...SLACK, CNI_DOCTOR_SHUTDOWN_TIMEOUT_SECONDS: "soon" })).toThrow(
      /CNI_DOCTOR_SHUTDOWN_TIMEOUT_SECONDS/,
    );
    expect(() => loadSlackSettings({ ...SLACK, CNI_DOCTOR_READY_KUBE_SECONDS: "0" })).toThrow(
      /CNI_DOCTOR_READY_KUBE_SECONDS/,
    );
  });

  it("reads .env under the real environment, and nothing when there is no file", async () => {
    const dir = await mkdtemp(join(tmpdir(), "cni-doctor-dotenv-"));
    try {
      const path = join(dir, ".env");
      expect(withDotenvFile({ A: "1" }, path)).toEqual({ env: { A: "1" }, loadedFrom: null });
      await writeFile(path, "LOG_LEVEL=debug\nPORT=4000\n# comment\nSLACK_BOT_TOKEN='xoxb-from-file'\n");
      const { env, loadedFrom } = withDotenvFile({ PORT: "5000" }, path);
      expect(loadedFrom).toBe(path);
      expect(env).toEqual({ LOG_LEVEL: "debug", PORT: "5000", SLACK_BOT_TOKEN: "xoxb-from-file" });
      expect(loadConfig(env).logLevel).toBe("debug");
      expect(process.env.SLACK_BOT_TOKEN).not.toBe("xoxb-from-file");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("is a ConfigError, which serve reports as a usage error", () => {
    expect(() => loadConfig({ LOG_LEVEL: "loud" })).toThrow(ConfigError);
  });
});
