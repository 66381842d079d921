/**
 * Benchmark 6: the incident thread as people live it (issue 19's measures), on the demo's world (the real bot, the
 * simulated cluster enforcing RBAC, the local Slack), stale-cni-config with two nodes to heal.
 *
 * - Asked: `/cni diagnose`, Fix… on the card, Approve by a second person, until the run's summary: every
 *   chat.postMessage and chat.update the bot sent (goal: at most 6 and 12), and the card's length in lines.
 * - Proactive: nobody asks; the time from the bot serving, with the kubelets' sandbox failures already recorded, to
 *   the incident thread's parent message (the watch's list, its debounce, 2 s here as in the demo, and one diagnosis).
 */
import { type DemoWorld, ONCALL_GROUP, PEOPLE, startDemoWorld } from "../src/demo/world.ts";
import type { StoredMessage } from "../src/sim/slack/index.ts";
import { CARD_ACTIONS } from "../src/slack/blocks/diagnosis.ts";
import { ACTIONS } from "../src/slack/blocks/plan.ts";

export const THREAD_GOALS = { postMessage: 6, update: 12, cardLines: 8 } as const;

export interface ThreadBenchResult {
  asked: { postMessage: number; update: number; cardLines: number; outcome: string; wallMs: number };
  /** The bot serving, failures already recorded by the kubelets, until the incident thread's parent is posted. */
  proactive: { failuresPresentToThreadMs: number; debounceSeconds: number };
  goals: { postMessage: boolean; update: boolean; cardLines: boolean };
  approvers: string;
}

const CHANNEL = "C0INCIDENT";

async function until<T>(what: string, probe: () => T | undefined | false, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined && value !== false) return value as T;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const hasAction = (m: StoredMessage, id: string) => JSON.stringify(m.blocks ?? []).includes(id);

/** Lines a person reads: every line of every section, every element of every context. */
function linesOf(m: StoredMessage): number {
  return (m.blocks ?? []).reduce((n: number, b) => {
    const block = b as { type: string; text?: { text: string }; elements?: unknown[] };
    if (block.type === "section") return n + (block.text?.text.split("\n").length ?? 0);
    if (block.type === "context") return n + (block.elements ?? []).length;
    return n;
  }, 0);
}

async function asked(world: DemoWorld): Promise<ThreadBenchResult["asked"]> {
  const { slack } = world;
  const ws = slack.workspace;
  const started = performance.now();
  const first = slack.web.calls.length;
  await slack.slashCommand({ user: PEOPLE.alice.id, channel: CHANNEL, text: "diagnose" }, { mode: "socket" });
  const parent = await until("the parent", () =>
    ws.messages.find((m) => m.channel === CHANNEL && !m.threadTs),
  );
  const card = await until("the card", () =>
    ws.thread(CHANNEL, parent.ts).find((m) => hasAction(m, CARD_ACTIONS.fix)),
  );
  await slack.clickButton(
    { user: PEOPLE.alice.id, message: card, actionId: CARD_ACTIONS.fix },
    { mode: "socket" },
  );
  const plan = await until("the plan", () =>
    ws.thread(CHANNEL, parent.ts).find((m) => hasAction(m, ACTIONS.approve)),
  );
  await slack.clickButton(
    { user: PEOPLE.bob.id, message: plan, actionId: ACTIONS.approve },
    { mode: "socket" },
  );
  const summary = await until(
    "the run's summary",
    () => ws.thread(CHANNEL, parent.ts).find((m) => /^cni-doctor fix (succeeded|failed|was) /.test(m.text)),
    120_000,
  );
  // The last in-place updates (progress, parent) land right around the summary.
  await world.bot.jobs.idle(10_000);
  const calls = slack.web.calls.slice(first);
  return {
    postMessage: calls.filter((c) => c.method === "chat.postMessage").length,
    update: calls.filter((c) => c.method === "chat.update").length,
    cardLines: linesOf(card),
    outcome: summary.text.slice(0, 80),
    wallMs: performance.now() - started,
  };
}

/** From the moment the bot is serving, with sandbox failures already in the cluster, to the thread's parent. */
async function proactive(world: DemoWorld, readyAt: number): Promise<ThreadBenchResult["proactive"]> {
  const ws = world.slack.workspace;
  await until(
    "the incident thread",
    () =>
      ws.messages.find(
        (m) => m.channel === CHANNEL && !m.threadTs && m.text.startsWith("cni-doctor incident"),
      ),
    90_000,
  );
  return {
    failuresPresentToThreadMs: performance.now() - readyAt,
    debounceSeconds: Number(world.botEnv.CNI_DOCTOR_INCIDENT_DEBOUNCE_SECONDS),
  };
}

export async function benchThread(options: { log: (line: string) => void }): Promise<ThreadBenchResult> {
  options.log("  asked: /cni diagnose, Fix…, Approve");
  const askedWorld = await startDemoWorld("stale-cni-config");
  const a = await asked(askedWorld).finally(() => askedWorld.stop());
  options.log("  proactive: the bot opens the thread itself");
  const proactiveWorld = await startDemoWorld("stale-cni-config", "kubernetes", { proactive: true });
  const p = await proactive(proactiveWorld, performance.now()).finally(() => proactiveWorld.stop());
  return {
    asked: a,
    proactive: p,
    goals: {
      postMessage: a.postMessage <= THREAD_GOALS.postMessage,
      update: a.update <= THREAD_GOALS.update,
      cardLines: a.cardLines <= THREAD_GOALS.cardLines,
    },
    approvers: ONCALL_GROUP,
  };
}
