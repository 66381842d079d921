/**
 * The load generator of benchmarks 1 and 7, in its own process. It sends signed Slack requests to the bot and times
 * each until its HTTP answer (the ack): for benchmark 7 open loop at a steady rate, alternating `/cni help` and a
 * button click; for benchmark 1 a burst of slash commands, a fixed number in flight.
 *
 * Why a process of its own: the simulated API server and the fake Slack live in the benchmark's process, and while the
 * bot diagnoses `large` the simulator serialises tens of MB of JSON there. A probe on that loop would time the
 * simulator's turns as well as the bot's; here it times the bot alone.
 *
 * Protocol (IPC): the parent sends `{ type: "config", config }` (answered with `{ type: "ready" }`), then per phase
 * `{ type: "start" }` and later `{ type: "stop" }`, or `{ type: "burst", requests, concurrency }`; the child answers
 * the stop or the burst, once every request sent has its answer, with `{ type: "result", acks: Ack[] }`.
 */
import { randomBytes } from "node:crypto";
import { sendSignedRequest } from "../src/sim/slack/signing.ts";

export interface ProbeConfig {
  url: string;
  signingSecret: string;
  ratePerSecond: number;
  /** A `/cni help` form as Slack sends it; each request gets a fresh trigger_id. */
  slashForm: Record<string, string>;
  /**
   * A block_actions payload (a click on a card's Details); each request gets a fresh trigger_id and action_ts. Only
   * the open-loop phases send clicks.
   */
  clickPayload?: Record<string, unknown>;
}

export interface Ack {
  kind: "slash" | "click";
  ms: number;
  status: number;
}

type ParentMessage =
  | { type: "config"; config: ProbeConfig }
  | { type: "start" }
  | { type: "stop" }
  | { type: "burst"; requests: number; concurrency: number };

let config: ProbeConfig;
const freshTriggerId = () => `${Date.now()}.${randomBytes(6).readUIntBE(0, 6)}`;

/** A click as Slack sends each one: the same button, a fresh trigger_id and action_ts. */
function freshClick(payload: Record<string, unknown>): { form: Record<string, string> } {
  const actions = payload.actions as Record<string, unknown>[];
  const action_ts = (Date.now() / 1000).toFixed(6);
  return {
    form: {
      payload: JSON.stringify({
        ...payload,
        trigger_id: freshTriggerId(),
        actions: actions.map((a) => ({ ...a, action_ts })),
      }),
    },
  };
}

async function send(kind: Ack["kind"]): Promise<Ack> {
  const body =
    kind === "click" && config.clickPayload
      ? freshClick(config.clickPayload)
      : { form: { ...config.slashForm, trigger_id: freshTriggerId() } };
  const started = performance.now();
  try {
    const r = await sendSignedRequest(config.url, config.signingSecret, body);
    return { kind, ms: performance.now() - started, status: r.status };
  } catch {
    return { kind, ms: performance.now() - started, status: 0 };
  }
}

let running = false;
let pending: Promise<Ack>[] = [];

async function sendAtRate(): Promise<void> {
  const interval = 1000 / config.ratePerSecond;
  const t0 = performance.now();
  for (let i = 0; running; i++) {
    pending.push(send(i % 2 === 0 || !config.clickPayload ? "slash" : "click"));
    const wait = t0 + (i + 1) * interval - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
}

/** `requests` slash commands, `concurrency` of them in flight at any time (closed loop). */
async function burst(requests: number, concurrency: number): Promise<Ack[]> {
  const acks: Ack[] = [];
  let next = 0;
  const worker = async () => {
    while (next < requests) {
      next++;
      acks.push(await send("slash"));
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return acks;
}

let sending: Promise<void> = Promise.resolve();
process.on("message", (message: ParentMessage) => {
  if (message.type === "config") {
    config = message.config;
    process.send?.({ type: "ready" });
    return;
  }
  if (message.type === "burst") {
    void burst(message.requests, message.concurrency).then((acks) =>
      process.send?.({ type: "result", acks }),
    );
    return;
  }
  if (message.type === "start") {
    running = true;
    pending = [];
    sending = sendAtRate();
    return;
  }
  running = false;
  void sending.then(async () => {
    const acks = await Promise.all(pending);
    process.send?.({ type: "result", acks });
  });
});
