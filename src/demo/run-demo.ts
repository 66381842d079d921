/**
 * `npm run demo`: the first incident end to end through the real bot. An on-call engineer asks `/cni diagnose` in an
 * incident channel, then `@cni-doctor fix` in the thread; the requester's own Approve is refused (two-person rule) and
 * an approver's goes through; the bot fixes the nodes through agent pods (or over SSH with --node-access ssh), recycles the stuck pods and verifies. The people's
 * actions are the only scripted part: what is printed is the Slack traffic as recorded, then the cluster as read back.
 *
 * Exit status: 0 when the bot did what it is designed to do for the scenario (heal it, roll a node back, leave manual
 * actions, or call a healthy cluster healthy), 1 when the demo itself failed (the bot never answered, a fix that
 * claimed success left pods stuck, a request was denied by its RBAC, a secret showed up, a message broke Slack's
 * limits).
 */

import type { Writable } from "node:stream";
import { loadScenario } from "../sim/index.ts";
import type { StoredMessage } from "../sim/slack/index.ts";
import { listPods, type PodRow, readEndpoints } from "./kube-rest.ts";
import type { TextStyle } from "./slack-text.ts";
import { SlackTranscript } from "./transcript.ts";
import type { DemoNodeAccess } from "./world.ts";
import {
  BOT_USER,
  CHANNEL,
  DEMO_TIMINGS,
  type DemoWorld,
  ONCALL_GROUP,
  PEOPLE,
  startDemoWorld,
} from "./world.ts";

export type Outcome = "healthy" | "healed" | "manual" | "rolled-back" | "fix-failed" | "diagnosis-only";

/** What the bot is designed to do with each shipped scenario (src/sim/scenarios/README.md). */
export const EXPECTED_OUTCOME: Record<string, Outcome> = {
  healthy: "healthy",
  "stale-cni-config": "healed",
  "expired-token": "healed",
  "manifest-install": "healed",
  // The plan moves the leftover Cilium config aside: that heals it.
  "shadowing-config": "healed",
  // Restarting a crash-looping agent does not help; the run says so and stops (nothing was moved, nothing to undo).
  "calico-node-down": "manual",
  // worker1 heals; worker2's replacement agent cannot pull its image, so worker2 is restored byte for byte.
  "agent-wont-start": "rolled-back",
  // A Cilium agent that never became Ready (not crash-looping): its pod is deleted, the DaemonSet's replacement serves.
  "cilium-agent-down": "healed",
  // The plan moves the leftover 00-multus.conf aside; Calico's config is then the runtime's first, and nothing restarts.
  "leftover-multus-config": "healed",
};

export interface DemoOptions {
  scenario: string;
  /** How the bot reaches nodes (default: agent pods, as deployed). */
  nodeAccess?: DemoNodeAccess;
  stdout: Writable;
  stderr: Writable;
  style: TextStyle;
  /** Longest wait for any one reply from the bot. */
  replyTimeoutMs?: number;
  /** Nobody types a command: the bot opens the incident thread itself, @alice clicks Fix…, @bob approves. */
  proactive?: boolean;
  /** Tests: look at the world (cluster, Slack, logs) once the story is told, before it is stopped. */
  inspect?: (world: DemoWorld) => void | Promise<void>;
}

export interface DemoResult {
  exitCode: number;
  outcome: Outcome | undefined;
  problems: string[];
  elapsedMs: number;
}

class DemoFailure extends Error {
  override name = "DemoFailure";
}

/** The fallback text of the run's final summary (src/slack/blocks/run.ts renderRunSummary). */
const RUN_FINISHED = /^cni-doctor fix (succeeded|failed|was) /;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** What the demo prints, kept whole so it can be checked for secrets at the end. */
class DemoOutput {
  printed = "";
  readonly #options: DemoOptions;

  constructor(options: DemoOptions) {
    this.#options = options;
  }

  write = (text: string): void => {
    this.printed += text;
    this.#options.stdout.write(text);
  };

  say = (text: string): void => this.write(`${this.#options.style.dim(`  · ${text}`)}\n`);

  heading = (text: string): void => {
    const { style } = this.#options;
    this.write(`\n${style.bold(`── ${text} `)}${style.dim("─".repeat(Math.max(0, 60 - text.length)))}\n`);
  };
}

/** Waits for something the bot does, printing the Slack traffic as it arrives; a DemoFailure when it never comes. */
type Until = <T>(what: string, probe: () => T | undefined | false, timeoutMs?: number) => Promise<T>;

function untilFor(transcript: SlackTranscript, replyTimeoutMs: number): Until {
  return async <T>(what: string, probe: () => T | undefined | false, timeoutMs = replyTimeoutMs) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      transcript.flush();
      const value = probe();
      if (value !== undefined && value !== false) return value as T;
      if (Date.now() > deadline)
        throw new DemoFailure(`gave up after ${Math.round(timeoutMs / 1000)} s waiting for ${what}`);
      await sleep(100);
    }
  };
}

export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const startedAt = Date.now();
  const { style } = options;
  const scenario = loadScenario(options.scenario); // an unknown name fails here, before anything starts
  const out = new DemoOutput(options);

  out.heading(`cni-doctor demo: ${options.scenario}`);
  const world = await startDemoWorld(options.scenario, options.nodeAccess, {
    ...(options.proactive ? { proactive: true } : {}),
  });
  const secrets = world.secrets();
  const problems: string[] = [];
  let outcome: Outcome | undefined;
  const transcript = new SlackTranscript({ slack: world.slack, startedAt, style, write: out.write });
  const until = untilFor(transcript, options.replyTimeoutMs ?? 60_000);

  try {
    describeWorld(world, options.scenario, out.say);
    out.heading(`#${world.slack.workspace.channelName(CHANNEL)}, as Slack shows it`);
    outcome = options.proactive
      ? await playTheProactiveIncident(world, transcript, until, problems)
      : await playTheIncident(world, transcript, until, problems);

    // 4. What the cluster says now, as kubectl would show it.
    out.heading("checked in the cluster afterwards (as the admin, like kubectl)");
    const workloadsHealthy = await checkWorkloads(world, scenario.workloads, out.write, style);
    problems.push(...outcomeProblems(options.scenario, outcome, workloadsHealthy));
    checkTheBot(world, transcript, problems, out.say);
    await options.inspect?.(world);
  } catch (err) {
    if (!(err instanceof DemoFailure)) throw err;
    transcript.flush();
    problems.push(err.message);
  } finally {
    await world.stop();
  }

  // Nothing secret in what this demo printed (the Slack traffic and logs were checked above).
  const leaked = secrets.filter((s) => out.printed.includes(s));
  if (leaked.length > 0) problems.push(`${leaked.length} secret(s) appeared in the demo's output`);
  return conclude(options, { world, secrets, problems, outcome, startedAt, write: out.write });
}

/** Steps 1-3: ask for a diagnosis, then for a fix, then approve it as the requester (refused) and as an approver. */
async function playTheIncident(
  world: DemoWorld,
  transcript: SlackTranscript,
  until: Until,
  problems: string[],
): Promise<Outcome> {
  const { slack } = world;
  const ws = slack.workspace;
  const botMessages = (pred: (m: StoredMessage) => boolean) =>
    ws.messages.filter((m) => m.channel === CHANNEL && m.user === ws.botUserId && pred(m));

  // 1. The on-call engineer asks for a diagnosis.
  await transcript.deliver(() =>
    slack.slashCommand({ user: PEOPLE.alice.id, channel: CHANNEL, text: "diagnose" }, { mode: "socket" }),
  );
  const parent = await until("the bot's message in the channel", () => botMessages((m) => !m.threadTs)[0]);
  await until("the diagnosis (the channel message's status)", () => parent.edited !== undefined);
  const thread = () => ws.thread(CHANNEL, parent.ts);
  const summaryOfDiagnosis = thread().find((m) => m.text.startsWith("cni-doctor diagnosis of"));
  if (summaryOfDiagnosis?.text.includes(": healthy:")) return "healthy";
  if (!summaryOfDiagnosis) {
    problems.push("the bot posted no diagnosis in the thread");
    return "diagnosis-only";
  }
  // The card says what is wrong in a few lines; Details brings the evidence into the thread.
  if (hasButton(summaryOfDiagnosis, "cni_card_details")) {
    await transcript.deliver(() =>
      slack.clickButton(
        { user: PEOPLE.alice.id, message: summaryOfDiagnosis, actionId: "cni_card_details" },
        { mode: "socket" },
      ),
    );
    await until("the evidence (Details)", () => thread().find((m) => m.text.startsWith("Finding 1 of")));
  }

  // 2. She asks for a fix in the thread: the diagnosis above is fresh, so the bot proposes a plan from it.
  const repliesBefore = botMessages((m) => m.threadTs === parent.ts).length;
  await transcript.deliver(() =>
    slack.mention(
      { user: PEOPLE.alice.id, channel: CHANNEL, text: "fix", threadTs: parent.ts },
      { mode: "socket" },
    ),
  );
  const status = await until(
    "the bot's answer to the fix request",
    () => botMessages((m) => m.threadTs === parent.ts)[repliesBefore],
  );
  await until("the plan (the fix request's status)", () => status.edited !== undefined);
  const plan = thread().find((m) => hasButton(m, "cni_approve"));
  if (!plan) return "manual";
  return approveThePlan(world, transcript, until, { plan, thread });
}

/**
 * Steps 1-3 when nobody asks: the bot sees the sandbox failures, opens the incident thread with its card; @alice reads
 * the evidence (Details) and clicks Fix…, which makes her the requester; then the approval as in the asked story.
 */
async function playTheProactiveIncident(
  world: DemoWorld,
  transcript: SlackTranscript,
  until: Until,
  problems: string[],
): Promise<Outcome> {
  const { slack } = world;
  const ws = slack.workspace;
  const parent = await until(
    "the incident thread the bot opens itself",
    () =>
      ws.messages.find(
        (m) => m.channel === CHANNEL && !m.threadTs && m.text.startsWith("cni-doctor incident"),
      ),
    90_000,
  );
  const thread = () => ws.thread(CHANNEL, parent.ts);
  const card = await until("the diagnosis card", () =>
    thread().find((m) => m.text.startsWith("cni-doctor diagnosis of")),
  );
  if (!hasButton(card, "cni_card_fix")) {
    problems.push("the incident's card offers no Fix… (no plan for this scenario)");
    return "manual";
  }
  await transcript.deliver(() =>
    slack.clickButton(
      { user: PEOPLE.alice.id, message: card, actionId: "cni_card_details" },
      { mode: "socket" },
    ),
  );
  await until("the evidence (Details)", () => thread().find((m) => m.text.startsWith("Finding 1 of")));
  await transcript.deliver(() =>
    slack.clickButton({ user: PEOPLE.alice.id, message: card, actionId: "cni_card_fix" }, { mode: "socket" }),
  );
  const plan = await until("the plan (Fix…)", () => thread().find((m) => hasButton(m, "cni_approve")));
  return approveThePlan(world, transcript, until, { plan, thread });
}

/** 3. The requester cannot approve her own plan; an approver can. The outcome is read from the run's summary. */
async function approveThePlan(
  world: DemoWorld,
  transcript: SlackTranscript,
  until: Until,
  at: { plan: StoredMessage; thread: () => StoredMessage[] },
): Promise<Outcome> {
  const { slack } = world;
  const ws = slack.workspace;
  // The approver reads the exact commands before deciding: they are a reply away, not in the plan's way.
  await transcript.deliver(() =>
    slack.clickButton(
      { user: PEOPLE.bob.id, message: at.plan, actionId: "cni_show_commands" },
      { mode: "socket" },
    ),
  );
  await until("the plan's commands", () => at.thread().find((m) => m.text.startsWith("Commands of run")));
  const ephemerals = ws.ephemerals.length;
  await transcript.deliver(() =>
    slack.clickButton(
      { user: PEOPLE.alice.id, message: at.plan, actionId: "cni_approve" },
      { mode: "socket" },
    ),
  );
  await until("the refusal only the requester sees", () => ws.ephemerals.length > ephemerals);
  await transcript.deliver(() =>
    slack.clickButton({ user: PEOPLE.bob.id, message: at.plan, actionId: "cni_approve" }, { mode: "socket" }),
  );
  const summary = await until(
    "the run's final summary",
    () => at.thread().find((m) => RUN_FINISHED.test(m.text)),
    120_000,
  );
  // The progress message's last update goes out before the summary; give Slack a moment to record any stragglers.
  await sleep(300);
  transcript.flush();
  return /^cni-doctor fix succeeded /.test(summary.text)
    ? "healed"
    : /rolled back/.test(summary.text)
      ? "rolled-back"
      : "fix-failed";
}

/** Where the bot's claim and the cluster disagree, or the bot did not do what it is designed to for the scenario. */
function outcomeProblems(scenario: string, outcome: Outcome, workloadsHealthy: boolean): string[] {
  const problems: string[] = [];
  if (outcome === "healed" && !workloadsHealthy)
    problems.push(
      "the bot reported the fix succeeded, but the workloads are not all Running with their endpoints",
    );
  if (outcome === "healthy" && !workloadsHealthy)
    problems.push(
      "the bot called the cluster healthy, but the workloads are not all Running with their endpoints",
    );
  const expected = EXPECTED_OUTCOME[scenario];
  if (expected && outcome !== expected)
    problems.push(`expected the bot to end with '${expected}' on ${scenario}, it ended with '${outcome}'`);
  return problems;
}

/** The last lines: what went wrong (with the bot's last log lines, secrets removed), or the outcome in words. */
function conclude(
  options: DemoOptions,
  run: {
    world: DemoWorld;
    secrets: string[];
    problems: string[];
    outcome: Outcome | undefined;
    startedAt: number;
    write: (text: string) => void;
  },
): DemoResult {
  const { style } = options;
  const { problems, outcome } = run;
  const elapsedMs = Date.now() - run.startedAt;
  const seconds = (elapsedMs / 1000).toFixed(1);
  if (problems.length > 0) {
    options.stderr.write(`\n${style.red(style.bold(`✘ the demo failed after ${seconds} s:`))}\n`);
    for (const p of problems) options.stderr.write(`  - ${p}\n`);
    const tail = run.world.logLines.filter((l) => !run.secrets.some((s) => l.includes(s))).slice(-15);
    if (tail.length > 0)
      options.stderr.write(`the bot's last log lines:\n${tail.map((l) => `  ${l}`).join("\n")}\n`);
    return { exitCode: 1, outcome, problems, elapsedMs };
  }
  run.write(
    `\n${style.green(style.bold(`✔ demo finished in ${seconds} s:`))} ${OUTCOME_WORDS[outcome ?? "diagnosis-only"]}\n`,
  );
  return { exitCode: 0, outcome, problems, elapsedMs };
}

const OUTCOME_WORDS: Record<Outcome, string> = {
  healthy: "the cluster is healthy and cni-doctor said so; nothing to fix.",
  healed:
    "the incident was diagnosed, approved by a second person, fixed and verified through cni-doctor's Slack flow.",
  manual: "cni-doctor named the root cause and left the fix to a person, as designed for this cause.",
  "rolled-back":
    "a node's agent did not come back, so cni-doctor rolled that node back and stopped, as designed.",
  "fix-failed":
    "cni-doctor ran the approved plan, the node did not recover, and it stopped and said why in the thread; the rest is for a person.",
  "diagnosis-only": "cni-doctor diagnosed the cluster.",
};

function hasButton(m: StoredMessage, actionId: string): boolean {
  return (m.blocks ?? []).some(
    (b) =>
      (b as { type?: string }).type === "actions" &&
      ((b as { elements?: { action_id?: string }[] }).elements ?? []).some((e) => e.action_id === actionId),
  );
}

function describeWorld(world: DemoWorld, scenario: string, say: (text: string) => void): void {
  const nodes = world.sim.store.list("nodes").length;
  const count = (kind: string) => world.applied.filter((k) => k === kind).length;
  say(
    `simulated cluster sim-${scenario.split(":")[0]} at ${world.sim.url}: ${nodes} nodes${world.sim.ssh ? ", each an SSH server with its own host key" : "; the bot reaches them through agent pods in cni-doctor-nodes (pods/exec), no SSH"}; the API server enforces RBAC`,
  );
  say(
    `kubectl apply -k manifests/ (the bot's identity): ${count("Namespace")} Namespace, ${count("ServiceAccount")} ServiceAccount, ${count("ClusterRole") + count("Role")} roles, ${count("ClusterRoleBinding") + count("RoleBinding")} bindings`,
  );
  say(
    `local Slack at ${world.slack.apiUrl.replace(/api\/$/, "")}: Web API and Socket Mode (as manifests/slack-app.yaml sets the app up); #${world.slack.workspace.channelName(CHANNEL)}; @${PEOPLE.alice.name} is on call, @${PEOPLE.bob.name} too; both are in the approvers' user group ${ONCALL_GROUP}`,
  );
  say(
    `cni-doctor serve, in this process: Socket Mode, as ${BOT_USER}, policy from manifests/config/policy.env with CNI_DOCTOR_APPROVERS=${ONCALL_GROUP} and, to fit in a minute, ${Object.entries(
      DEMO_TIMINGS,
    )
      .map(([k, v]) => `${k.replace("CNI_DOCTOR_", "")}=${v}`)
      .join(", ")}`,
  );
  say(
    `its /readyz on ${world.bot.opsUrl} answered ${world.readyz === 0 ? "nothing" : world.readyz}${world.readyz === 200 ? " (ready)" : ""}`,
  );
}

/** `kubectl get pods -l …` and `kubectl get endpoints …` for each workload; true when all are Running, Ready and listed. */
async function checkWorkloads(
  world: DemoWorld,
  workloads: { name: string; namespace: string; labels: Record<string, string>; service?: boolean }[],
  write: (text: string) => void,
  style: TextStyle,
): Promise<boolean> {
  let healthy = true;
  for (const w of workloads) {
    const pods = await listPods(world.admin, w.namespace, w.labels);
    const selector = Object.entries(w.labels)
      .map(([k, v]) => `${k}=${v}`)
      .join(",");
    write(`  $ kubectl get pods -n ${w.namespace} -l ${selector} -o wide\n`);
    for (const p of pods) write(`    ${podLine(p, style)}\n`);
    const running = pods.filter((p) => p.phase === "Running" && p.ready);
    if (running.length !== pods.length || pods.length === 0) healthy = false;
    if (w.service === false) continue;
    const endpoints = await readEndpoints(world.admin, w.namespace, w.name);
    write(`  $ kubectl get endpoints ${w.name} -n ${w.namespace}\n`);
    const listed = endpoints ?? [];
    write(`    ${w.name}  ${listed.length > 0 ? listed.join(",") : style.red("<none>")}\n`);
    const ips = new Set(listed.map((e) => e.split(":")[0]));
    const missing = running.filter((p) => !p.ip || !ips.has(p.ip));
    if (missing.length > 0 || listed.length === 0) healthy = false;
    write(
      `    ${healthy ? style.green(`✔ ${running.length}/${pods.length} pods Running and Ready, every one listed in the endpoints`) : style.yellow(`${running.length}/${pods.length} pods Running and Ready; ${ips.size} addresses in the endpoints`)}\n`,
    );
  }
  return healthy;
}

function podLine(p: PodRow, style: TextStyle): string {
  const state = p.phase === "Running" && p.ready ? style.green("Running") : style.yellow(p.reason ?? p.phase);
  return [p.name.padEnd(32), state, p.ip ?? "<none>", p.node ?? "<unscheduled>"].join("  ");
}

/** The bot's conduct: every request allowed by its RBAC, Slack payloads within limits, no secret sent or logged. */
function checkTheBot(
  world: DemoWorld,
  transcript: SlackTranscript,
  problems: string[],
  say: (text: string) => void,
): void {
  const denied = world.botDecisions.filter((d) => !d.allowed);
  say(
    `the bot's ${world.botDecisions.length} Kubernetes API requests as ${BOT_USER}: ${denied.length === 0 ? "every one allowed by manifests/rbac.yaml" : `${denied.length} denied`}`,
  );
  for (const d of denied.slice(0, 5)) {
    const a = d.attributes;
    problems.push(
      `RBAC denied the bot: ${a.verb} ${a.resource}${a.subresource ? `/${a.subresource}` : ""}${a.namespace ? ` -n ${a.namespace}` : ""}`,
    );
  }
  const calls = [...transcript.callCounts.entries()].sort((a, b) => b[1] - a[1]);
  const total = calls.reduce((n, [, c]) => n + c, 0);
  const { violations } = world.slack.web;
  say(
    `Slack: ${total} Web API calls from the bot (${calls.map(([m, c]) => `${c} ${m}`).join(", ")}); ${violations.length} over Block Kit limits, ${transcript.failedCalls.length} refused`,
  );
  if (violations.length > 0) problems.push(`${violations.length} Slack payloads broke Block Kit limits`);
  if (transcript.failedCalls.length > 0)
    problems.push(
      `Slack refused ${transcript.failedCalls.length} of the bot's calls: ${transcript.failedCalls.map((c) => `${c.method} ${String(c.response.error)}`).join(", ")}`,
    );
  const traffic = [
    JSON.stringify(world.slack.web.calls.map((c) => [c.method, c.args, c.response])),
    JSON.stringify(world.slack.socket.acks),
    JSON.stringify([...world.slack.workspace.files.values()]),
    world.logLines.join("\n"),
  ].join("\n");
  const leaked = world.secrets().filter((s) => traffic.includes(s));
  say(
    `${leaked.length === 0 ? "no" : leaked.length} token, key or signing secret in the Slack traffic or the bot's ${world.logLines.length} log lines`,
  );
  if (leaked.length > 0)
    problems.push(`${leaked.length} secret(s) appeared in the Slack traffic or the logs`);
}
