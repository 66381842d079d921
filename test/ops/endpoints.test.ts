/**
 * /healthz, /readyz and /metrics over real HTTP on the bot's PORT, in both Slack modes, with the bot as `serve`
 * wires it against the local Slack stand-in and the simulated cluster: Bolt's /slack/events keeps working beside
 * the ops routes in HTTP mode; in Socket Mode readiness follows the WebSocket down and back up; counters move after
 * a diagnosis, a fix, and Slack, Kubernetes and SSH failures.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CHANNEL,
  deliveryOf,
  eventually,
  type SlackWorld,
  sandboxFailuresReported,
  startSlackWorld,
  USERS,
} from "../support/slack-harness.ts";
import { fixThroughSlack, getOps, metricsWhen, sample } from "./support.ts";

const DIAGNOSES = "cni_doctor_diagnoses_total";

describe("HTTP mode: ops routes beside /slack/events", () => {
  let world: SlackWorld;
  beforeAll(async () => {
    world = await startSlackWorld({ scenario: "stale-cni-config", mode: "http", syncPeriodMs: 1000 });
    await sandboxFailuresReported(world);
  }, 60_000);
  afterAll(async () => world?.stop());

  it("serves health, readiness and metrics on the events port", async () => {
    const url = world.bot.opsUrl;
    expect(world.bot.eventsUrl).toBe(`${url}/slack/events`);
    const health = await getOps(url, "/healthz");
    expect(health.status).toBe(200);
    expect(JSON.parse(health.body)).toEqual({ status: "ok" });
    // Ready once the receiver listens and the API server has answered the readiness probe.
    await eventually("readyz 200", async () =>
      (await getOps(url, "/readyz")).status === 200 ? true : undefined,
    );
    const metrics = await getOps(url, "/metrics");
    expect(metrics.contentType).toContain("text/plain");
    expect(metrics.body).toContain("process_cpu_user_seconds_total");
    expect(metrics.body).toContain("nodejs_heap_size_used_bytes");
    expect(metrics.body).toContain('cni_doctor_diagnoses_total{outcome="healthy"} 0');
    expect(metrics.body).toContain('cni_doctor_remediations_total{outcome="succeeded"} 0');
    // Unknown paths are still Bolt's: 404, not a health answer.
    expect((await fetch(`${url}/nope`)).status).toBe(404);
  });

  it("counts a /cni diagnose and the Slack, Kubernetes and SSH failures met on the way", async () => {
    const { slack, sim } = world;
    const url = world.bot.opsUrl;
    const before = (await getOps(url, "/metrics")).body;
    slack.web.inject({ method: "chat.update", kind: "ratelimited", retryAfter: 1 });
    const removeFault = sim.apiServer.faults.add({
      resource: "daemonsets",
      verb: "list",
      status: 403,
      times: 1,
    });
    await sim.ssh?.faults.setUnreachable("k8s-worker1", true);
    try {
      const ack = await slack.slashCommand(
        { user: USERS.requester.id, channel: CHANNEL, text: "diagnose" },
        deliveryOf(world),
      );
      expect(ack.http?.status).toBe(200);
      const after = await metricsWhen(
        url,
        "a diagnosis counted",
        (t) =>
          ["healthy", "findings", "incomplete", "error"].reduce(
            (n, outcome) => n + sample(t, DIAGNOSES, { outcome }) - sample(before, DIAGNOSES, { outcome }),
            0,
          ) === 1,
      );
      expect(
        sample(after, "cni_doctor_kube_api_errors_total", { failure: "forbidden" }),
      ).toBeGreaterThanOrEqual(1);
      expect(sample(after, "cni_doctor_ssh_errors_total", { kind: "unreachable" })).toBeGreaterThanOrEqual(1);
      await world.bot.jobs.idle();
      const settled = (await getOps(url, "/metrics")).body;
      expect(
        sample(settled, "cni_doctor_slack_api_errors_total", { method: "chat.update", error: "ratelimited" }),
      ).toBe(1);
    } finally {
      removeFault();
      await sim.ssh?.faults.setUnreachable("k8s-worker1", false);
    }
  }, 60_000);
});

describe("Socket Mode: ops server on PORT, readiness follows the connection", () => {
  let world: SlackWorld;
  beforeAll(async () => {
    world = await startSlackWorld({ scenario: "stale-cni-config", mode: "socket", syncPeriodMs: 1000 });
    await world.slack.socket.waitForConnections(1);
    await sandboxFailuresReported(world);
  }, 60_000);
  afterAll(async () => world?.stop());

  const readyz = async () => {
    const r = await getOps(world.bot.opsUrl, "/readyz");
    return { status: r.status, body: JSON.parse(r.body) as { status: string; reasons?: string[] } };
  };

  it("is ready while connected, 503 when the WebSocket drops, ready again after the reconnect", async () => {
    expect((await getOps(world.bot.opsUrl, "/healthz")).status).toBe(200);
    await eventually("ready", async () => ((await readyz()).status === 200 ? true : undefined));
    const opened = world.slack.socket.connectionsOpened;
    world.slack.socket.dropAll();
    const down = await eventually("readyz 503", async () => {
      const r = await readyz();
      return r.status === 503 ? r : undefined;
    });
    expect(down.body.status).toBe("not ready");
    expect(down.body.reasons?.join(" ")).toMatch(/Slack connection down/);
    // Liveness is not readiness: the process is fine, so no restart.
    expect((await getOps(world.bot.opsUrl, "/healthz")).status).toBe(200);
    await eventually("readyz 200 after the reconnect", async () =>
      (await readyz()).status === 200 ? true : undefined,
    );
    expect(world.slack.socket.connectionsOpened).toBeGreaterThan(opened);
  }, 60_000);

  it("counts the diagnosis, the remediation by outcome and each step's duration", async () => {
    const url = world.bot.opsUrl;
    const summary = await fixThroughSlack(world);
    expect(summary).toMatch(/fix succeeded/);
    const m = await metricsWhen(
      url,
      "the run counted",
      (t) => sample(t, "cni_doctor_remediations_total", { outcome: "succeeded" }) === 1,
    );
    expect(sample(m, DIAGNOSES, { outcome: "findings" })).toBe(1);
    for (const kind of ["quarantine-cni-config", "restart-cni-agent", "recycle-pods", "verify"]) {
      expect(
        sample(m, "cni_doctor_remediation_step_duration_seconds_count", { kind }),
        kind,
      ).toBeGreaterThanOrEqual(1);
    }
    expect(sample(m, "cni_doctor_remediations_total", { outcome: "failed" })).toBe(0);
  }, 120_000);

  it("turns unready at once on shutdown, then closes the port", async () => {
    const url = world.bot.opsUrl;
    const done = world.bot.shutdown("test shutdown", 5_000);
    expect(world.bot.readiness.status()).toEqual({
      ready: false,
      reasons: expect.arrayContaining(["shutting down: test shutdown"]),
    });
    expect(await done).toBe(0);
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
  });
});
