/**
 * The Slack bot as it ships (`cni-doctor serve`, a child process, so its latency and CPU are its own) against the fake
 * Slack (src/sim/slack) and the simulated cluster, both in this process (`startWorld`, also used by bench/acks.ts for
 * benchmarks 1 and 7), and benchmark 4:
 *
 * 4. Remediating 10 nodes: `/cni fix` (Socket Mode) on a cluster whose 10 workers all have an expired CNI token, an
 *    approver clicks Approve, until the run's final summary: every Slack Web API call, the peak chat.update rate in
 *    any one-second window, and the bot's own CPU time per node (it is not waiting on Kubernetes while on the CPU).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type RunningSimulatedCluster, startSimulatedCluster } from "../src/sim/index.ts";
import {
  type FakeSlack,
  freshSlackCredentials,
  type StoredMessage,
  startFakeSlack,
} from "../src/sim/slack/index.ts";
import { ACTIONS } from "../src/slack/blocks/plan.ts";
import { imageNodeFlags } from "./lib/image-node-flags.ts";
import { until } from "./lib/until.ts";

export const USERS = {
  requester: { id: "U0REQUEST1", name: "ana" },
  approver: { id: "U0APPROVE1", name: "bo" },
};
export const CHANNEL = "C0INCIDENT";

export interface World {
  sim: RunningSimulatedCluster;
  slack: FakeSlack;
  bot: ChildProcess;
  botOutput: () => string;
  eventsUrl: string | null;
  signingSecret: string;
  stop(): Promise<void>;
}

export async function startWorld(options: {
  scenario: string;
  mode: "http" | "socket";
  node: string;
  /** Default true; the 1,000-node scenario runs without SSH servers (the diagnosis reads Kubernetes only). */
  sshNodes?: boolean;
  /** Where the bot writes a V8 CPU profile (`--cpu-prof`); it is then stopped with SIGTERM so that it writes one. */
  cpuProfileDir?: string;
}): Promise<World> {
  const sshNodes = options.sshNodes ?? true;
  const sim = await startSimulatedCluster({ scenario: options.scenario, port: 0, sshNodes });
  const dir = await mkdtemp(join(tmpdir(), "cni-doctor-bench-slack-"));
  const kubeconfigPath = join(dir, "kubeconfig");
  await writeFile(kubeconfigPath, sim.kubeconfig(), { mode: 0o600 });
  const nodesFile = sshNodes ? (await sim.writeNodesOut(join(dir, "nodes.yaml"))).nodesFile : undefined;
  // The bot's namespace, as its manifests create it: the run journal and the Lease live there.
  sim.store.create("namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: "cni-doctor" } });
  // Fresh per run and never printed.
  const secrets = freshSlackCredentials();
  const slack = await startFakeSlack({
    ...secrets,
    users: Object.values(USERS),
    usergroups: {},
    channels: [{ id: CHANNEL, name: "incidents" }],
    pingIntervalMs: 1000,
  });
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "",
    SLACK_BOT_TOKEN: secrets.botToken,
    ...(options.mode === "socket"
      ? { SLACK_APP_TOKEN: secrets.appToken }
      : { SLACK_SIGNING_SECRET: secrets.signingSecret }),
    PORT: "0",
    SLACK_API_URL: slack.apiUrl,
    ...(nodesFile ? { CNI_DOCTOR_NODES_FILE: nodesFile } : {}),
    CNI_DOCTOR_APPROVERS: USERS.approver.id,
    CNI_DOCTOR_APPROVAL_TTL_SECONDS: "300",
    CNI_DOCTOR_LOG_LEVEL: "warn",
    // The default policy stops a run at 3 nodes; benchmark 4 asks for 10.
    CNI_DOCTOR_MAX_NODES_PER_RUN: "10",
  };
  let output = "";
  const profiling = options.cpuProfileDir ? ["--cpu-prof", "--cpu-prof-dir", options.cpuProfileDir] : [];
  const bot = spawn(
    options.node,
    // As the image runs it: the Dockerfile's ENTRYPOINT flags.
    [...imageNodeFlags(), ...profiling, "bin/cni-doctor.js", "serve", "--kubeconfig", kubeconfigPath],
    {
      env,
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  bot.stdout?.on("data", (d) => {
    if (output.length < 1_000_000) output += d;
  });
  bot.stderr?.on("data", (d) => {
    if (output.length < 1_000_000) output += d;
  });
  const connected = await until(
    "cni-doctor serve to connect",
    () =>
      /connected to Slack \(([^)]*)\)/.exec(output)?.[1] ?? (bot.exitCode !== null ? "exited" : undefined),
    30_000,
  );
  if (connected === "exited") throw new Error(`cni-doctor serve exited: ${output.slice(-1500)}`);
  if (options.mode === "socket") await slack.socket.waitForConnections(1);
  return {
    sim,
    slack,
    bot,
    botOutput: () => output,
    eventsUrl: /HTTP, (\S+)/.exec(connected)?.[1] ?? null,
    signingSecret: secrets.signingSecret,
    async stop() {
      if (options.cpuProfileDir && bot.exitCode === null) {
        const exited = new Promise((resolve) => bot.once("exit", resolve));
        bot.kill("SIGTERM");
        await exited;
      } else bot.kill("SIGKILL");
      await slack.stop();
      await sim.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export interface RemediationBenchResult {
  nodes: number;
  outcome: string;
  runWallMs: number;
  wallMsPerNode: number;
  botCpuMsPerNode: number;
  slackCalls: number;
  callsByMethod: Record<string, number>;
  chatUpdates: number;
  peakChatUpdatesPerSecond: number;
}

/** utime + stime of a process, in ms (clock ticks are 100 Hz on Linux). */
async function cpuMsOf(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

export async function benchRemediation(options: {
  nodes: number;
  node: string;
  log: (line: string) => void;
}): Promise<RemediationBenchResult> {
  const world = await startWorld({
    scenario: `large:nodes=${options.nodes + 1},pods=${options.nodes * 2},affected=1`,
    mode: "socket",
    node: options.node,
  });
  try {
    const { slack, sim } = world;
    const pid = world.bot.pid as number;
    await until(
      "sandbox failure events",
      () =>
        sim.store.list("events").some((e) => (e as { reason?: string }).reason === "FailedCreatePodSandBox"),
      60_000,
      100,
    );
    const firstCall = slack.web.calls.length;
    // Stamp chat.update calls as they arrive (the fake Slack records calls without times).
    const updateTimes: number[] = [];
    let seen = firstCall;
    const stamp = setInterval(() => {
      const now = performance.now();
      for (; seen < slack.web.calls.length; seen++)
        if (slack.web.calls[seen]?.method === "chat.update") updateTimes.push(now);
    }, 5);
    await slack.slashCommand({ user: USERS.requester.id, channel: CHANNEL, text: "fix" }, { mode: "socket" });
    const plan = await until(
      "the plan with an Approve button",
      () =>
        slack.workspace.messages.find((m: StoredMessage) =>
          JSON.stringify(m.blocks ?? []).includes(ACTIONS.approve),
        ),
      60_000,
    ).catch((err: Error) => {
      const said = slack.workspace.messages.map((m) => m.text.slice(0, 300)).join("\n  ");
      throw new Error(
        `${err.message}; the bot said:\n  ${said}\nbot output: ${world.botOutput().slice(-1500)}`,
      );
    });
    const cpuAtApprove = await cpuMsOf(pid);
    const approvedAt = performance.now();
    await slack.clickButton(
      { user: USERS.approver.id, message: structuredClone(plan), actionId: ACTIONS.approve },
      { mode: "socket" },
    );
    const summary = await until(
      "the run's final summary",
      () =>
        slack.workspace
          .thread(CHANNEL, plan.threadTs as string)
          .find((m) => /^cni-doctor fix (succeeded|failed|was)/.test(m.text)),
      240_000,
      50,
    ).catch((err: Error) => {
      const thread = slack.workspace
        .thread(CHANNEL, plan.threadTs as string)
        .map((m) => `${m.text.slice(0, 200)} ${JSON.stringify(m.blocks ?? []).slice(0, 600)}`)
        .join("\n  ");
      throw new Error(
        `${err.message}; the thread:\n  ${thread}\nbot output: ${world.botOutput().slice(-1500)}`,
      );
    });
    const runWallMs = performance.now() - approvedAt;
    const botCpuMs = (await cpuMsOf(pid)) - cpuAtApprove;
    await new Promise((r) => setTimeout(r, 300)); // the last updates after the summary
    clearInterval(stamp);
    const calls = slack.web.calls.slice(firstCall);
    const callsByMethod: Record<string, number> = {};
    for (const c of calls) callsByMethod[c.method] = (callsByMethod[c.method] ?? 0) + 1;
    let peak = 0;
    for (let i = 0, j = 0; j < updateTimes.length; j++) {
      while ((updateTimes[j] as number) - (updateTimes[i] as number) >= 1000) i++;
      peak = Math.max(peak, j - i + 1);
    }
    const outcome = /^cni-doctor fix (\S+)/.exec(summary.text)?.[1] ?? "unknown";
    options.log(
      `  fix ${outcome} in ${Math.round(runWallMs)} ms; ${calls.length} Slack calls; bot CPU ${botCpuMs} ms`,
    );
    return {
      nodes: options.nodes,
      outcome,
      runWallMs,
      wallMsPerNode: runWallMs / options.nodes,
      botCpuMsPerNode: botCpuMs / options.nodes,
      slackCalls: calls.length,
      callsByMethod,
      chatUpdates: callsByMethod["chat.update"] ?? 0,
      peakChatUpdatesPerSecond: peak,
    };
  } finally {
    await world.stop();
  }
}
