/**
 * The bot as `cni-doctor serve` runs it (startCniDoctorBot: real Bolt, real WebClient, the RemediationService over
 * client-node and ssh2) against the local Slack stand-in and the simulated cluster with SSH nodes. Everything the bot
 * sends to Slack and logs is captured, so tests can check Block Kit limits and that no secret ever left.
 */

import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { CoreV1Api } from "@kubernetes/client-node";
import { afterAll, beforeAll } from "vitest";
import { loadConfig, loadSlackSettings } from "../../src/config.ts";
import { loadCluster } from "../../src/kube/cluster-config.ts";
import type { RunRecord } from "../../src/remediation/run.ts";
import { type RunningSimulatedCluster, startSimulatedCluster } from "../../src/sim/index.ts";
import { type FakeSlack, type StoredMessage, startFakeSlack } from "../../src/sim/slack/index.ts";
import { ACTIONS } from "../../src/slack/blocks/plan.ts";
import { type RunningCniDoctorBot, startCniDoctorBot } from "../../src/slack/start.ts";

export const USERS = {
  requester: { id: "U0REQUEST1", name: "ana" },
  approver: { id: "U0APPROVE1", name: "bo" },
  groupApprover: { id: "U0ONCALL01", name: "cy" },
  outsider: { id: "U0OUTSIDE1", name: "dee" },
};
export const ONCALL_GROUP = "S0ONCALL01";
export const CHANNEL = "C0INCIDENT";

export const SECRETS = {
  botToken: "xoxb-1111111111-2222222222-abcdefghijklmnopqrstuvwx",
  appToken: "xapp-1-A0CNIDOCTR-3333333333-0123456789abcdef0123456789abcdef",
  signingSecret: "8f14e45fceea167a5a36dedd4bea2543",
};

export interface SlackWorld {
  sim: RunningSimulatedCluster;
  slack: FakeSlack;
  dir: string;
  kubeconfigPath: string;
  nodesFile: string;
  env: Record<string, string>;
  logLines: string[];
  /** The bot in this process; undefined until started when `startBot: false`. */
  bot: RunningCniDoctorBot;
  /** Starts the bot again (after `bot.stop()`), as a restarted process would. */
  restartBot(): Promise<RunningCniDoctorBot>;
  /** Every secret that must never appear in anything the bot sent or logged. */
  secrets(): string[];
  stop(): Promise<void>;
}

export async function startSlackWorld(options: {
  scenario: string;
  mode: "http" | "socket";
  syncPeriodMs?: number;
  env?: Record<string, string>;
  /** false: start no bot in this process (a test runs `cni-doctor serve` as a child process first). */
  startBot?: boolean;
}): Promise<SlackWorld> {
  const sim = await startSimulatedCluster({
    scenario: options.scenario,
    port: 0,
    ...(options.syncPeriodMs ? { syncPeriodMs: options.syncPeriodMs } : {}),
  });
  const dir = await mkdtemp(join(tmpdir(), "cni-doctor-slack-"));
  const kubeconfigPath = join(dir, "kubeconfig");
  await writeFile(kubeconfigPath, sim.kubeconfig(), { mode: 0o600 });
  const { nodesFile } = await sim.writeNodesOut(join(dir, "nodes.yaml"));
  // The bot's namespace, as its manifests create it: the run journal and the Lease live there.
  const cluster = loadCluster({ kubeconfigPath });
  await cluster.kubeConfig
    .makeApiClient(CoreV1Api)
    .createNamespace({ body: { metadata: { name: "cni-doctor" } } });

  const slack = await startFakeSlack({
    ...SECRETS,
    users: Object.values(USERS),
    usergroups: { [ONCALL_GROUP]: [USERS.groupApprover.id] },
    channels: [{ id: CHANNEL, name: "incidents" }],
    pingIntervalMs: 1000,
  });
  const env: Record<string, string> = {
    SLACK_BOT_TOKEN: SECRETS.botToken,
    ...(options.mode === "socket"
      ? { SLACK_APP_TOKEN: SECRETS.appToken }
      : { SLACK_SIGNING_SECRET: SECRETS.signingSecret }),
    PORT: "0",
    SLACK_API_URL: slack.apiUrl,
    CNI_DOCTOR_NODES_FILE: nodesFile,
    CNI_DOCTOR_APPROVERS: `${USERS.approver.id},${ONCALL_GROUP}`,
    CNI_DOCTOR_APPROVAL_TTL_SECONDS: "300",
    CNI_DOCTOR_STEP_TIMEOUT_MS: "20000",
    CNI_DOCTOR_AGENT_READY_TIMEOUT_MS: "8000",
    CNI_DOCTOR_POD_READY_TIMEOUT_MS: "20000",
    CNI_DOCTOR_POLL_INTERVAL_MS: "250",
    CNI_DOCTOR_LEASE_SECONDS: "2",
    ...options.env,
  };
  const logLines: string[] = [];
  const logSink = new Writable({
    write(chunk, _enc, done) {
      logLines.push(...String(chunk).split("\n").filter(Boolean));
      done();
    },
  });
  const start = () =>
    startCniDoctorBot({
      config: loadConfig(env),
      slack: loadSlackSettings(env),
      env,
      kubeconfigPath,
      logDestination: logSink,
      progressIntervalMs: 200,
      clientPingTimeoutMs: 2000,
    });
  const world: SlackWorld = {
    sim,
    slack,
    dir,
    kubeconfigPath,
    nodesFile,
    env,
    logLines,
    bot: options.startBot === false ? (undefined as unknown as RunningCniDoctorBot) : await start(),
    async restartBot() {
      world.bot = await start();
      return world.bot;
    },
    secrets: () => [SECRETS.botToken, SECRETS.appToken, SECRETS.signingSecret, sim.adminToken],
    async stop() {
      await world.bot?.stop(5_000).catch(() => undefined);
      await slack.stop();
      await sim.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
  return world;
}

/** Where deliveries go for the world's mode. */
export function deliveryOf(world: SlackWorld) {
  return world.bot.mode === "http"
    ? { mode: "http" as const, url: world.bot.eventsUrl as string }
    : { mode: "socket" as const };
}

/** Bounded polling: checks `probe` until it returns a value, or fails naming what was awaited. */
export async function eventually<T>(
  what: string,
  probe: () => T | undefined | Promise<T | undefined>,
  attempts = 200,
  everyMs = 100,
): Promise<T> {
  for (let i = 0; i < attempts; i++) {
    const value = await probe();
    if (value !== undefined && value !== false) return value as T;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`gave up waiting for ${what}`);
}

/** The simulated kubelets need a moment to report the sandbox failures the bot diagnoses; waits for them. */
export async function sandboxFailuresReported(world: SlackWorld): Promise<void> {
  await eventually(
    "sandbox failure events",
    () =>
      world.sim.store
        .list("events", "default")
        .some((e) => (e as { reason?: string }).reason === "FailedCreatePodSandBox") || undefined,
  );
}

export function threadOf(world: SlackWorld, threadTs: string): StoredMessage[] {
  return world.slack.workspace.thread(CHANNEL, threadTs);
}

export function allText(m: StoredMessage): string {
  return `${m.text}\n${JSON.stringify(m.blocks ?? [])}`;
}

/** Everything the bot sent to Slack (call arguments, acks) and logged, as one string. */
export function everythingCaptured(world: SlackWorld): string {
  return [
    JSON.stringify(world.slack.web.calls.map((c) => [c.method, c.args, c.response])),
    JSON.stringify(world.slack.socket.acks),
    JSON.stringify([...world.slack.workspace.files.values()]),
    world.logLines.join("\n"),
  ].join("\n");
}

/** The remediation journal as the bot left it in the simulated cluster: one record per run. */
export function journalOf(world: SlackWorld): RunRecord[] {
  return world.sim.store
    .list("configmaps", "cni-doctor")
    .map((cm) => (cm as { data?: Record<string, string> }).data?.["run.json"])
    .filter((text): text is string => typeof text === "string")
    .map((text) => JSON.parse(text) as RunRecord);
}

/**
 * `/cni fix` by the requester, Approve by the approver, then waits until the run is in its agent-restart step (the
 * step a restart test kills the bot in). Returns the plan message as first shown and its thread.
 */
export async function approveFixUntilAgentRestart(
  world: SlackWorld,
): Promise<{ plan: StoredMessage; threadTs: string }> {
  const { slack } = world;
  await slack.slashCommand({ user: USERS.requester.id, channel: CHANNEL, text: "fix" }, { mode: "socket" });
  const plan = await eventually("a plan", () =>
    slack.workspace.messages.find((m) => JSON.stringify(m.blocks ?? []).includes(ACTIONS.approve)),
  );
  const shown = structuredClone(plan);
  const threadTs = plan.threadTs as string;
  await slack.clickButton(
    { user: USERS.approver.id, message: structuredClone(plan), actionId: ACTIONS.approve },
    { mode: "socket" },
  );
  await eventually("the agent restart step running", () =>
    threadOf(world, threadTs).some((m) => /hourglass_flowing_sand: 2\./.test(JSON.stringify(m.blocks ?? [])))
      ? true
      : undefined,
  );
  return { plan: shown, threadTs };
}

/** Waits until a dead runner's Lease has lapsed (CNI_DOCTOR_LEASE_SECONDS), so its run counts as interrupted. */
export async function leaseLapsed(world: SlackWorld): Promise<void> {
  await eventually("the lease to lapse", () => {
    const lease = world.sim.store.get("leases", "cni-doctor", "cni-doctor-remediation") as
      | { spec?: { renewTime?: string; leaseDurationSeconds?: number } }
      | undefined;
    const renewed = Date.parse(lease?.spec?.renewTime ?? "");
    return !lease || Date.now() > renewed + (lease.spec?.leaseDurationSeconds ?? 2) * 1000 + 500
      ? true
      : undefined;
  });
}

/**
 * A Slack world in Socket Mode shared by one describe block: started (bot connected) before its tests, stopped after.
 * The getter returns it once beforeAll has run.
 */
export function socketWorldForSuite(
  options: { scenario: string; syncPeriodMs?: number; env?: Record<string, string> } = {
    scenario: "stale-cni-config",
    syncPeriodMs: 1000,
  },
): () => SlackWorld {
  let world: SlackWorld | undefined;
  beforeAll(async () => {
    world = await startSlackWorld({ ...options, mode: "socket" });
    await world.slack.socket.waitForConnections(1);
  }, 60_000);
  afterAll(async () => world?.stop());
  return () => world as SlackWorld;
}

/** `/cni fix` from the requester once the sandbox failures are reported: the plan message (with Approve) and its thread. */
export async function requestFixPlan(world: SlackWorld): Promise<{ plan: StoredMessage; threadTs: string }> {
  await sandboxFailuresReported(world);
  await world.slack.slashCommand(
    { user: USERS.requester.id, channel: CHANNEL, text: "fix" },
    deliveryOf(world),
  );
  const plan = await eventually("the plan message", () =>
    world.slack.workspace.messages.find((m) => JSON.stringify(m.blocks ?? []).includes(ACTIONS.approve)),
  );
  return { plan, threadTs: plan.threadTs as string };
}
