import { ACTIONS } from "../../src/slack/blocks/plan.ts";
import {
  CHANNEL,
  deliveryOf,
  eventually,
  type SlackWorld,
  threadOf,
  USERS,
} from "../support/slack-harness.ts";

/** Reading the bot's ops endpoints over real HTTP, and single samples out of the Prometheus exposition text. */
export async function getOps(
  baseUrl: string,
  path: "/healthz" | "/readyz" | "/metrics",
): Promise<{ status: number; body: string; contentType: string }> {
  const res = await fetch(`${baseUrl}${path}`, { signal: AbortSignal.timeout(5_000) });
  return { status: res.status, body: await res.text(), contentType: res.headers.get("content-type") ?? "" };
}

/** The value of one series, e.g. sample(text, "cni_doctor_diagnoses_total", { outcome: "findings" }); 0 if absent. */
export function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  for (const line of text.split("\n")) {
    if (!line.startsWith(name)) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries(
      [...(m[2] ?? "").matchAll(/([a-zA-Z_]+)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1], l[2]]),
    );
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[3]);
  }
  return 0;
}

/** Polls /metrics until `probe` accepts it (bounded), returning the text. */
export async function metricsWhen(
  baseUrl: string,
  what: string,
  probe: (text: string) => boolean,
  attempts = 200,
): Promise<string> {
  let text = "";
  for (let i = 0; i < attempts; i++) {
    text = (await getOps(baseUrl, "/metrics")).body;
    if (probe(text)) return text;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(
    `gave up waiting for ${what}; last metrics:\n${text
      .split("\n")
      .filter((l) => l.startsWith("cni_doctor"))
      .join("\n")}`,
  );
}

/** `/cni fix`, the approver's click, and the run to its end; returns the thread's final summary text. */
export async function fixThroughSlack(world: SlackWorld): Promise<string> {
  const { slack } = world;
  const to = deliveryOf(world);
  const before = new Set(slack.workspace.messages.map((m) => m.ts));
  await slack.slashCommand({ user: USERS.requester.id, channel: CHANNEL, text: "fix" }, to);
  const plan = await eventually("the plan message", () =>
    slack.workspace.messages.find(
      (m) => !before.has(m.ts) && JSON.stringify(m.blocks ?? []).includes(ACTIONS.approve),
    ),
  );
  const threadTs = plan.threadTs as string;
  await slack.clickButton(
    { user: USERS.approver.id, message: structuredClone(plan), actionId: ACTIONS.approve },
    to,
  );
  const summary = await eventually(
    "the run's final summary",
    () =>
      threadOf(world, threadTs).find((m) => /^cni-doctor fix (succeeded|failed|was stopped)/.test(m.text)),
    900,
  );
  return summary.text;
}
