/**
 * POST /alertmanager on PORT (Socket Mode: the ops server), through the real bot against fake Slack and the simulated
 * cluster: the bearer token is required, bad bodies are 400 with the reason, oversized ones 413, a thread per
 * groupKey scoped by the alerts' labels, a repeat notification adds nothing, a changed one a reply, a resolved one
 * updates the thread. Then the same path from a real Alertmanager (Debian's prometheus-alertmanager) firing and
 * resolving alerts posted to its API.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StoredMessage } from "../../src/sim/slack/index.ts";
import { CARD_ACTIONS } from "../../src/slack/blocks/diagnosis.ts";
import {
  allText,
  CHANNEL,
  eventually,
  everythingCaptured,
  type SlackWorld,
  sandboxFailuresReported,
  startSlackWorld,
  threadOf,
} from "../support/slack-harness.ts";

const TOKEN = "am-token-7f3c2a91d4e85b60c1f2";
const ALERTMANAGER = "/usr/bin/prometheus-alertmanager";

function payload(
  groupKey: string,
  status: "firing" | "resolved",
  alerts: { name: string; fp: string; labels?: Record<string, string> }[],
) {
  return {
    version: "4",
    groupKey,
    truncatedAlerts: 0,
    status,
    receiver: "cni-doctor",
    groupLabels: { alertname: alerts[0]?.name ?? "x" },
    commonLabels: { alertname: alerts[0]?.name ?? "x" },
    commonAnnotations: { summary: "pods cannot get a network" },
    externalURL: "http://alertmanager.example:9093",
    alerts: alerts.map((a) => ({
      status,
      labels: { alertname: a.name, ...a.labels },
      annotations: {},
      startsAt: new Date(Date.now() - 60_000).toISOString(),
      endsAt: status === "resolved" ? new Date().toISOString() : "0001-01-01T00:00:00Z",
      generatorURL: "http://prometheus.example/graph",
      fingerprint: a.fp,
    })),
  };
}

async function post(
  world: SlackWorld,
  body: unknown,
  headers: Record<string, string> = { authorization: `Bearer ${TOKEN}` },
) {
  const res = await fetch(`${world.bot.opsUrl}/alertmanager`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as { reason?: string } };
}

const alertParents = (world: SlackWorld): StoredMessage[] =>
  world.slack.workspace.messages.filter(
    (m) => m.channel === CHANNEL && !m.threadTs && m.text.startsWith("cni-doctor incident"),
  );

function parentFor(world: SlackWorld, groupKey: string): StoredMessage | undefined {
  return alertParents(world).find((m) => allText(m).includes(groupKey));
}

describe("the Alertmanager receiver", () => {
  let world: SlackWorld;
  beforeAll(async () => {
    world = await startSlackWorld({
      scenario: "stale-cni-config",
      mode: "socket",
      syncPeriodMs: 1000,
      env: {
        CNI_DOCTOR_INCIDENT_CHANNEL: CHANNEL,
        CNI_DOCTOR_ALERTMANAGER_TOKEN: TOKEN,
        // The watch stays quiet for these tests: only alert threads are looked at.
        CNI_DOCTOR_INCIDENT_DEBOUNCE_SECONDS: "3600",
      },
    });
    await world.slack.socket.waitForConnections(1);
    await sandboxFailuresReported(world);
  }, 60_000);
  afterAll(async () => world?.stop());

  it("refuses requests without the token, bad bodies and oversized ones", async () => {
    const good = payload('{}:{alertname="A"}', "firing", [{ name: "A", fp: "a1" }]);
    expect((await post(world, good, {})).status).toBe(401);
    expect((await post(world, good, { authorization: "Bearer wrong-token-wrong-token" })).status).toBe(401);
    expect((await post(world, good, { authorization: `Basic ${TOKEN}` })).status).toBe(401);
    const notJson = await post(world, "{not json");
    expect(notJson.status).toBe(400);
    expect(notJson.body.reason).toMatch(/not JSON/);
    const badVersion = await post(world, { ...good, version: "3" });
    expect(badVersion.status).toBe(400);
    expect(badVersion.body.reason).toMatch(/^version:/);
    const noAlerts = await post(world, { ...good, alerts: "nope" });
    expect(noAlerts.status).toBe(400);
    expect(noAlerts.body.reason).toMatch(/^alerts:/);
    const huge = await post(world, { ...good, commonAnnotations: { description: "x".repeat(1_100_000) } });
    expect(huge.status).toBe(413);
    // None of those opened anything, and the bot still answers.
    expect(alertParents(world)).toHaveLength(0);
    expect((await fetch(`${world.bot.opsUrl}/healthz`)).status).toBe(200);
    expect(everythingCaptured(world)).not.toContain(TOKEN);
  });

  it("opens a thread per groupKey, scoped by the labels, and marks it resolved", async () => {
    const podGroup = '{}/{severity="page"}:{alertname="PodSandboxFailing"}';
    const nodeGroup = '{}/{severity="page"}:{alertname="NodeNetworkDown"}';
    const pod = world.sim.store
      .list("pods", "default")
      .find((p) =>
        (p as { metadata: { name: string } }).metadata.name.startsWith("redis-master"),
      ) as unknown as {
      metadata: { name: string };
      spec: { nodeName: string };
    };
    const firing = payload(podGroup, "firing", [
      { name: "PodSandboxFailing", fp: "f1", labels: { namespace: "default", pod: pod.metadata.name } },
    ]);
    expect((await post(world, firing)).status).toBe(202);
    expect(
      (
        await post(
          world,
          payload(nodeGroup, "firing", [
            { name: "NodeNetworkDown", fp: "n1", labels: { node: "k8s-worker1" } },
          ]),
        )
      ).status,
    ).toBe(202);
    const podParent = await eventually("the pod group's thread", () => parentFor(world, "PodSandboxFailing"));
    const nodeParent = await eventually("the node group's thread", () => parentFor(world, "NodeNetworkDown"));
    expect(podParent.ts).not.toBe(nodeParent.ts);
    // The pod label scopes the diagnosis to its namespace and the node it is on.
    await eventually(
      "the pod group's diagnosis",
      () =>
        /stale-cni-config/.test(
          allText(world.slack.workspace.find(CHANNEL, podParent.ts) as StoredMessage),
        ) || undefined,
    );
    await eventually(
      "the diagnosis card in the thread",
      () =>
        threadOf(world, podParent.ts).some((m) =>
          JSON.stringify(m.blocks ?? []).includes(CARD_ACTIONS.details),
        ) || undefined,
    );
    expect(allText(world.slack.workspace.find(CHANNEL, podParent.ts) as StoredMessage)).toContain(
      `namespace default, node ${pod.spec.nodeName}`,
    );
    await world.bot.jobs.idle(30_000);
    // The same notification again (Alertmanager repeats): nothing new. Another alert in the group: one reply.
    const before = threadOf(world, podParent.ts).length;
    expect((await post(world, firing)).status).toBe(202);
    const grown = payload(podGroup, "firing", [
      { name: "PodSandboxFailing", fp: "f1", labels: { namespace: "default", pod: pod.metadata.name } },
      { name: "PodSandboxFailing", fp: "f2", labels: { namespace: "default", pod: "other" } },
    ]);
    expect((await post(world, grown)).status).toBe(202);
    await world.bot.jobs.idle(30_000);
    const replies = threadOf(world, podParent.ts).slice(before);
    expect(replies).toHaveLength(1);
    expect(replies[0]?.text).toContain("2 alerts firing");
    // Resolved: the parent says so, and the thread says how long it lasted.
    expect(
      (await post(world, payload(podGroup, "resolved", [{ name: "PodSandboxFailing", fp: "f1" }]))).status,
    ).toBe(202);
    await eventually(
      "the pod group resolved",
      () =>
        /Resolved\* after/.test(
          allText(world.slack.workspace.find(CHANNEL, podParent.ts) as StoredMessage),
        ) || undefined,
    );
    expect(
      threadOf(world, podParent.ts).some((m) => m.text.includes("Alertmanager reports the alerts resolved")),
    ).toBe(true);
    expect(allText(world.slack.workspace.find(CHANNEL, nodeParent.ts) as StoredMessage)).toContain("*Open*");
    expect(alertParents(world)).toHaveLength(2);
    expect(everythingCaptured(world)).not.toContain(TOKEN);
  }, 60_000);
});

describe("the receiver switched off", () => {
  let world: SlackWorld;
  beforeAll(async () => {
    world = await startSlackWorld({ scenario: "stale-cni-config", mode: "socket", syncPeriodMs: 1000 });
    await world.slack.socket.waitForConnections(1);
    // Ready (its API server answered) before it is stopped again: the start-up probe is not left in flight.
    await eventually("the bot ready", () => world.bot.readiness.status().ready || undefined);
  }, 60_000);
  afterAll(async () => world?.stop());

  it("is a 404 without CNI_DOCTOR_ALERTMANAGER_TOKEN", async () => {
    const res = await fetch(`${world.bot.opsUrl}/alertmanager`, { method: "POST", body: "{}" });
    expect(res.status).toBe(404);
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

describe("a real Alertmanager", () => {
  let world: SlackWorld;
  let alertmanager: ChildProcess | undefined;
  let dir: string;
  let amUrl: string;
  const amOutput: string[] = [];

  beforeAll(async () => {
    if (!existsSync(ALERTMANAGER))
      throw new Error(`${ALERTMANAGER} is missing: apt-get install -y prometheus-alertmanager`);
    world = await startSlackWorld({
      scenario: "stale-cni-config",
      mode: "socket",
      syncPeriodMs: 1000,
      env: {
        CNI_DOCTOR_INCIDENT_CHANNEL: CHANNEL,
        CNI_DOCTOR_ALERTMANAGER_TOKEN: TOKEN,
        CNI_DOCTOR_INCIDENT_DEBOUNCE_SECONDS: "3600",
      },
    });
    await world.slack.socket.waitForConnections(1);
    dir = await mkdtemp(join(tmpdir(), "cni-doctor-am-"));
    await writeFile(
      join(dir, "alertmanager.yml"),
      [
        "global:",
        "  resolve_timeout: 1m",
        "route:",
        "  receiver: cni-doctor",
        "  group_by: [alertname]",
        "  group_wait: 1s",
        "  group_interval: 1s",
        "  repeat_interval: 1h",
        "receivers:",
        "  - name: cni-doctor",
        "    webhook_configs:",
        `      - url: ${world.bot.opsUrl}/alertmanager`,
        "        send_resolved: true",
        "        http_config:",
        "          authorization:",
        "            type: Bearer",
        `            credentials: ${TOKEN}`,
        "",
      ].join("\n"),
    );
    const port = await freePort();
    amUrl = `http://127.0.0.1:${port}`;
    alertmanager = spawn(
      ALERTMANAGER,
      [
        `--config.file=${join(dir, "alertmanager.yml")}`,
        `--storage.path=${join(dir, "data")}`,
        `--web.listen-address=127.0.0.1:${port}`,
        "--cluster.listen-address=",
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    alertmanager.stdout?.on("data", (c) => amOutput.push(String(c)));
    alertmanager.stderr?.on("data", (c) => amOutput.push(String(c)));
    await eventually("Alertmanager ready", async () => {
      const res = await fetch(`${amUrl}/-/ready`).catch(() => null);
      return res?.ok ? true : undefined;
    });
  }, 60_000);
  afterAll(async () => {
    alertmanager?.kill("SIGTERM");
    await world?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("firing opens a thread, resolved updates it", async () => {
    const labels = { alertname: "KubePodSandboxFailing", namespace: "default", severity: "page" };
    const startsAt = new Date(Date.now() - 30_000).toISOString();
    const send = (endsAt?: string) =>
      fetch(`${amUrl}/api/v2/alerts`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify([
          {
            labels,
            annotations: { summary: "sandboxes failing in default" },
            startsAt,
            ...(endsAt ? { endsAt } : {}),
          },
        ]),
      });
    expect((await send()).status).toBe(200);
    const parent = await eventually(
      "the thread Alertmanager's notification opened",
      () => alertParents(world).find((m) => allText(m).includes("KubePodSandboxFailing")),
      300,
    );
    await eventually(
      "the diagnosis in it",
      () =>
        /stale-cni-config/.test(allText(world.slack.workspace.find(CHANNEL, parent.ts) as StoredMessage)) ||
        undefined,
    );
    expect((await send(new Date().toISOString())).status).toBe(200);
    await eventually(
      "the thread marked resolved",
      () =>
        /Resolved\* after/.test(allText(world.slack.workspace.find(CHANNEL, parent.ts) as StoredMessage)) ||
        undefined,
      300,
    );
    expect(alertParents(world)).toHaveLength(1);
    const captured = `${everythingCaptured(world)}\n${amOutput.join("")}`;
    expect(everythingCaptured(world)).not.toContain(TOKEN);
    expect(captured).toContain("KubePodSandboxFailing");
  }, 90_000);
});
