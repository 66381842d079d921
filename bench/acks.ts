/**
 * Acks: how fast `cni-doctor serve` answers Slack, timed from a probe process of its own (bench/ack-probe-child.ts),
 * never from this process, which hosts the simulated API server and the fake Slack and is busy whenever the bot reads
 * the cluster.
 *
 * Benchmark 1: `/cni diagnose` as signed HTTP requests (Bolt's HTTP receiver, real signature checks), 500 of them,
 * 100 in flight; the time from sending a request to its HTTP 200 (the ack). Each command also starts a diagnosis in
 * the background, so the acks are measured under that load.
 *
 * Benchmark 7 (issue 17, item 1): acks under incident load. One `cni-doctor serve` (signed HTTP, Bolt's HTTP
 * receiver) is sent `/cni help` and clicks on a card's Details button, alternately, open loop at a steady rate (so a
 * blocked loop shows as latency rather than as fewer requests), from a probe process of its own
 * (bench/ack-probe-child.ts). First with the bot idle, then while the same bot process diagnoses the 1,000-node
 * `large` cluster after a `/cni diagnose`, until that diagnosis's card is posted (a few times over, for enough acks).
 *
 * Event-loop delay is the bot's own, read from its /metrics (prom-client's monitorEventLoopDelay histogram, reset by
 * each scrape, so one scrape before and one after a phase cover exactly that phase).
 */
import { type ChildProcess, fork } from "node:child_process";
import { blockActionsPayload, type StoredMessage, slashCommandPayload } from "../src/sim/slack/index.ts";
import { CARD_ACTIONS } from "../src/slack/blocks/diagnosis.ts";
import type { Ack, ProbeConfig } from "./ack-probe-child.ts";
import { LARGE_SCENARIO } from "./diagnosis-large.ts";
import { percentile } from "./lib/stats.ts";
import { until } from "./lib/until.ts";
import { CHANNEL, startWorld, USERS } from "./slack.ts";

export const ACK_GOAL_P99_MS = 50;

/** The probe process and its protocol (see bench/ack-probe-child.ts). */
class AckProbe {
  readonly #child: ChildProcess;

  constructor(node: string) {
    this.#child = fork(new URL("./ack-probe-child.ts", import.meta.url).pathname, [], {
      execPath: node,
      stdio: ["ignore", "inherit", "inherit", "ipc"],
      execArgv: [],
    });
  }

  #reply<T>(type: string, pick: (m: Record<string, unknown>) => T): Promise<T> {
    return new Promise((resolve, reject) => {
      const onMessage = (m: Record<string, unknown>) => {
        if (m.type !== type) return;
        this.#child.off("message", onMessage);
        this.#child.off("exit", onExit);
        resolve(pick(m));
      };
      const onExit = (code: number | null) => reject(new Error(`the ack probe exited (${code})`));
      this.#child.on("message", onMessage);
      this.#child.once("exit", onExit);
    });
  }

  async configure(config: ProbeConfig): Promise<void> {
    const ready = this.#reply("ready", () => undefined);
    this.#child.send({ type: "config", config });
    await ready;
  }

  /** Sends at the configured rate while `during` runs; every ack of the phase. */
  async openLoop(during: () => Promise<unknown>): Promise<Ack[]> {
    const result = this.#reply("result", (m) => m.acks as Ack[]);
    this.#child.send({ type: "start" });
    try {
      await during();
    } finally {
      this.#child.send({ type: "stop" });
    }
    return result;
  }

  async burst(requests: number, concurrency: number): Promise<Ack[]> {
    const result = this.#reply("result", (m) => m.acks as Ack[]);
    this.#child.send({ type: "burst", requests, concurrency });
    return result;
  }

  stop(): void {
    this.#child.kill();
  }
}

export interface AckLatencyResult extends AckStats {
  requests: number;
  concurrency: number;
  command: string;
  goalP99Ms: number;
  met: boolean;
}

export async function benchSlashAck(options: {
  requests: number;
  concurrency: number;
  node: string;
  cpuProfileDir?: string;
  log: (line: string) => void;
}): Promise<AckLatencyResult> {
  const world = await startWorld({
    scenario: "stale-cni-config",
    mode: "http",
    node: options.node,
    ...(options.cpuProfileDir ? { cpuProfileDir: options.cpuProfileDir } : {}),
  });
  const probe = new AckProbe(options.node);
  try {
    const url = world.eventsUrl;
    if (!url) throw new Error("cni-doctor serve did not report its HTTP events URL");
    await probe.configure({
      url,
      signingSecret: world.signingSecret,
      ratePerSecond: 1,
      slashForm: slashCommandPayload(world.slack.workspace, {
        user: USERS.requester.id,
        channel: CHANNEL,
        text: "diagnose",
      }),
    });
    await probe.burst(20, 1); // warm-up: JIT, keep-alive, Bolt's first-request paths
    const acks = stats(await probe.burst(options.requests, options.concurrency));
    options.log(`  ${acks.acks} acks: p50 ${acks.p50Ms.toFixed(1)} ms, p99 ${acks.p99Ms.toFixed(1)} ms`);
    return {
      ...acks,
      requests: acks.acks,
      concurrency: options.concurrency,
      command: "/cni diagnose (HTTP, signed)",
      goalP99Ms: ACK_GOAL_P99_MS,
      met: acks.p99Ms <= ACK_GOAL_P99_MS && acks.non200 === 0,
    };
  } finally {
    probe.stop();
    await world.stop();
  }
}

export interface AckStats {
  acks: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  non200: number;
}

export interface AckUnderLoadPhase {
  slash: AckStats;
  click: AckStats;
  /**
   * The bot's own nodejs_eventloop_lag_p99_seconds / _max_seconds over the phase (monitorEventLoopDelay), in ms. They
   * include prom-client's 10 ms sampling interval: an idle loop reads ~10 ms, the delay is what lies above it.
   */
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
}

export interface AckUnderLoadResult {
  scenario: string;
  requests: string;
  ratePerSecond: number;
  idle: AckUnderLoadPhase;
  /** diagnosisMs: the median of the diagnoses, from `/cni diagnose` sent to its card posted. */
  duringDiagnosis: AckUnderLoadPhase & { diagnoses: number; diagnosisMs: number };
  goalP99Ms: number;
  met: boolean;
}

/** One gauge's value from Prometheus text. */
function gauge(body: string, name: string): number {
  const line = body.split("\n").find((l) => l.startsWith(`${name} `));
  return line === undefined ? Number.NaN : Number(line.slice(name.length + 1));
}

function stats(acks: Ack[]): AckStats {
  const sorted = acks.map((a) => a.ms).sort((a, b) => a - b);
  return {
    acks: acks.length,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    maxMs: sorted[sorted.length - 1] ?? Number.NaN,
    non200: acks.filter((a) => a.status !== 200).length,
  };
}

const isCard = (m: StoredMessage) => {
  const blocks = JSON.stringify(m.blocks ?? []);
  return blocks.includes(CARD_ACTIONS.details) || blocks.includes(CARD_ACTIONS.fix);
};

export async function benchAckUnderDiagnosis(options: {
  ratePerSecond: number;
  idleMs: number;
  /** Diagnoses of `large` one after another in the loaded phase: more acks under load for the p99. */
  diagnoses: number;
  node: string;
  cpuProfileDir?: string;
  log: (line: string) => void;
}): Promise<AckUnderLoadResult> {
  const world = await startWorld({
    scenario: LARGE_SCENARIO,
    mode: "http",
    node: options.node,
    sshNodes: false,
    ...(options.cpuProfileDir ? { cpuProfileDir: options.cpuProfileDir } : {}),
  });
  const probe = new AckProbe(options.node);
  try {
    const url = world.eventsUrl;
    if (!url) throw new Error("cni-doctor serve did not report its HTTP events URL");
    const ws = world.slack.workspace;
    const cards = () => ws.messages.filter(isCard);
    const diagnose = async () => {
      const before = cards().length;
      const started = performance.now();
      const r = await world.slack.slashCommand(
        { user: USERS.requester.id, channel: CHANNEL, text: "diagnose" },
        { mode: "http", url },
      );
      if (r.http?.status !== 200) throw new Error(`/cni diagnose got HTTP ${r.http?.status}`);
      await until("the diagnosis card of large", () => cards().length > before, 300_000);
      return performance.now() - started;
    };
    // The first diagnosis warms the bot's diagnosis path and gives the probe a card to click Details on.
    await diagnose();
    const card = cards()[0] as StoredMessage;
    await probe.configure({
      url,
      signingSecret: world.signingSecret,
      ratePerSecond: options.ratePerSecond,
      slashForm: slashCommandPayload(ws, { user: USERS.requester.id, channel: CHANNEL, text: "help" }),
      clickPayload: blockActionsPayload(ws, {
        user: USERS.requester.id,
        message: card,
        actionId: CARD_ACTIONS.details,
      }),
    });

    const metricsUrl = new URL("/metrics", url).toString();
    const scrape = async () => {
      const body = await (await fetch(metricsUrl)).text();
      return {
        loopDelayP99Ms: gauge(body, "nodejs_eventloop_lag_p99_seconds") * 1000,
        loopDelayMaxMs: gauge(body, "nodejs_eventloop_lag_max_seconds") * 1000,
      };
    };
    /** Runs the probe while `during` runs; the phase's acks and the bot's loop delay. */
    const phase = async (during: () => Promise<unknown>): Promise<AckUnderLoadPhase> => {
      await scrape(); // resets the bot's histogram
      const acks = await probe.openLoop(during);
      const loop = await scrape();
      return {
        slash: stats(acks.filter((a) => a.kind === "slash")),
        click: stats(acks.filter((a) => a.kind === "click")),
        ...loop,
      };
    };

    const warmUp = await phase(() => new Promise((r) => setTimeout(r, 1000)));
    options.log(`  warm-up: ${warmUp.slash.acks + warmUp.click.acks} acks`);
    const idle = await phase(() => new Promise((r) => setTimeout(r, options.idleMs)));
    const diagnosisTimes: number[] = [];
    const busy = await phase(async () => {
      for (let i = 0; i < options.diagnoses; i++) diagnosisTimes.push(await diagnose());
    });
    const diagnosisMs = percentile(
      diagnosisTimes.sort((a, b) => a - b),
      50,
    );
    const duringDiagnosis = { ...busy, diagnoses: options.diagnoses, diagnosisMs };
    for (const [name, p] of [
      ["idle", idle],
      [`during ${options.diagnoses} diagnoses (median ${Math.round(diagnosisMs)} ms)`, busy],
    ] as const) {
      options.log(
        `  ${name}: /cni help p50 ${p.slash.p50Ms.toFixed(1)} / p99 ${p.slash.p99Ms.toFixed(1)} ms (${p.slash.acks}); ` +
          `Details p50 ${p.click.p50Ms.toFixed(1)} / p99 ${p.click.p99Ms.toFixed(1)} ms (${p.click.acks}); ` +
          `loop delay p99 ${p.loopDelayP99Ms.toFixed(1)} / max ${p.loopDelayMaxMs.toFixed(1)} ms`,
      );
    }
    const worst = Math.max(busy.slash.p99Ms, busy.click.p99Ms);
    return {
      scenario: LARGE_SCENARIO,
      requests: "/cni help and Details clicks, alternately (HTTP, signed), open loop",
      ratePerSecond: options.ratePerSecond,
      idle,
      duringDiagnosis,
      goalP99Ms: ACK_GOAL_P99_MS,
      met: worst <= ACK_GOAL_P99_MS && busy.slash.non200 + busy.click.non200 === 0,
    };
  } finally {
    probe.stop();
    await world.stop();
  }
}
