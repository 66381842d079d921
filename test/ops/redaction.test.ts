/**
 * No secret in any log line. First the logger itself, fed every kind of secret by field and in free text; then a
 * whole flow (HTTP mode, /cni diagnose, /cni fix, approval, the run over SSH) at LOG_LEVEL=debug, where Bolt and the
 * Web API client log their own lines too: every line is JSON and none carries a token, the signing secret, the
 * cluster credentials or the nodes' SSH key.
 */
import { readFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { createLogger, REDACTED, SecretScrubber } from "../../src/remediation/logger.ts";
import {
  CHANNEL,
  deliveryOf,
  SECRETS,
  type SlackWorld,
  sandboxFailuresReported,
  startSlackWorld,
  USERS,
} from "../support/slack-harness.ts";
import { fixThroughSlack } from "./support.ts";

function capture(): { lines: string[]; stream: Writable } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(...String(chunk).split("\n").filter(Boolean));
      done();
    },
  });
  return { lines, stream };
}

const JWT =
  "eyJhbGciOiJSUzI1NiIsImtpZCI6ImFiYyJ9.eyJpc3MiOiJrdWJlcm5ldGVzL3NlcnZpY2VhY2NvdW50Iiwic3ViIjoiY2FsaWNvLWNuaS1wbHVnaW4ifQ.c2lnbmF0dXJlLWJ5dGVz";
const PEM =
  "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\nQyNTUxOQAAACDmJ3g4\n-----END OPENSSH PRIVATE KEY-----";

describe("the logger", () => {
  it("redacts secrets by field path and by value, and keeps every line valid JSON", async () => {
    const { lines, stream } = capture();
    const scrubber = new SecretScrubber([SECRETS.signingSecret]);
    const logger = createLogger({ destination: stream, component: "test", scrubber });
    // Learned after the logger was made, as the bot learns a kubeconfig's token when it opens a cluster.
    scrubber.add("opaque-static-token-0123456789");
    logger.info(
      {
        token: "field-token-value-123456",
        botToken: SECRETS.botToken,
        headers: { authorization: "Bearer abcdefghijklmnop" },
        nested: { password: "hunter2hunter2", privateKey: PEM },
      },
      "fields",
    );
    logger.warn(
      {},
      `free text: bot ${SECRETS.botToken} app ${SECRETS.appToken} secret ${SECRETS.signingSecret}`,
    );
    logger.error({ err: `request failed: Authorization: Bearer ${JWT}` }, `calico token ${JWT}`);
    logger.info({ file: PEM }, `key:\n${PEM}`);
    logger.info({ detail: 'quoted "opaque-static-token-0123456789"' }, "known value learned later");
    logger.child({ cluster: "prod" }).info({ url: "wss://x/link?ticket=1" }, "a clean line stays as it was");
    logger.flush();
    await new Promise((r) => setImmediate(r));

    expect(lines).toHaveLength(6);
    const text = lines.join("\n");
    for (const secret of [
      "field-token-value-123456",
      SECRETS.botToken,
      SECRETS.appToken,
      SECRETS.signingSecret,
      "abcdefghijklmnop",
      "hunter2hunter2",
      JWT,
      "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ",
      "opaque-static-token-0123456789",
    ]) {
      expect(text).not.toContain(secret);
    }
    for (const line of lines) {
      const parsed = JSON.parse(line) as Record<string, unknown>;
      expect(parsed.component).toBe("test");
      expect(typeof parsed.time).toBe("string");
    }
    const last = JSON.parse(lines[5] as string) as Record<string, unknown>;
    expect(last).toMatchObject({
      cluster: "prod",
      url: "wss://x/link?ticket=1",
      msg: "a clean line stays as it was",
    });
    expect(JSON.parse(lines[2] as string).err).toBe(`request failed: Authorization: Bearer ${REDACTED}`);
  });

  it("honours the level", () => {
    const { lines, stream } = capture();
    const logger = createLogger({ destination: stream, component: "test", level: "warn" });
    logger.info({}, "hidden");
    logger.warn({}, "shown");
    logger.flush();
    expect(lines.map((l) => JSON.parse(l).msg)).toEqual(["shown"]);
  });
});

describe("a full flow at LOG_LEVEL=debug", () => {
  let world: SlackWorld;
  beforeAll(async () => {
    world = await startSlackWorld({
      scenario: "stale-cni-config",
      mode: "http",
      syncPeriodMs: 1000,
      env: { LOG_LEVEL: "debug" },
    });
    await sandboxFailuresReported(world);
  }, 60_000);
  afterAll(async () => world?.stop());

  it("logs every line as JSON and none carries a secret", async () => {
    // An API server whose error text quotes credentials (a webhook echoing the request, say): the node Events the
    // audit writes fail with it, the failure is logged, and the fix goes on.
    world.sim.apiServer.faults.add({
      resource: "events",
      verb: "create",
      status: 500,
      message: `webhook rejected: Authorization: Bearer ${world.sim.adminToken}; raw ${world.sim.adminToken}; node token ${JWT}`,
      times: 2,
    });
    await world.slack.slashCommand(
      { user: USERS.requester.id, channel: CHANNEL, text: "diagnose" },
      deliveryOf(world),
    );
    expect(await fixThroughSlack(world)).toMatch(/fix succeeded/);
    await world.bot.stop(5_000);

    const nodes = parseYaml(await readFile(world.nodesFile, "utf8")) as {
      defaults: { privateKeyPath: string };
    };
    const keyPath = resolve(dirname(world.nodesFile), nodes.defaults.privateKeyPath);
    const keyBody = (await readFile(keyPath, "utf8"))
      .split("\n")
      .filter((l) => l.length >= 20 && !l.startsWith("-----"));
    const secrets = [...world.secrets(), ...keyBody, JWT];
    expect(secrets.length).toBeGreaterThan(4);

    const lines = world.logLines;
    // Bolt's and the Web API client's own debug lines are in there too.
    expect(lines.some((l) => JSON.parse(l).level === 20)).toBe(true);
    expect(lines.some((l) => l.includes('"source":"bolt"'))).toBe(true);
    const echoed = lines.filter((l) => l.includes("webhook rejected"));
    expect(echoed.length).toBeGreaterThanOrEqual(1);
    for (const line of echoed)
      expect(line).toContain(`Bearer ${REDACTED}; raw ${REDACTED}; node token ${REDACTED}`);
    for (const line of lines) {
      const parsed = JSON.parse(line) as { level: number; time: string; msg?: string };
      expect(typeof parsed.time).toBe("string");
      for (const secret of secrets)
        expect(line, `a log line carries a secret:\n${line}`).not.toContain(secret);
    }
  }, 120_000);
});
