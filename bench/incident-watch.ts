/**
 * Benchmark 8 (issue 17, item 2): the incident watch (src/slack/incident/watch.ts) following the 1,000-node `large`
 * cluster, in `cni-doctor serve` as it ships (a child process, so its memory and CPU are its own), against the
 * simulated cluster and the fake Slack, both in this process.
 *
 * The cluster starts with 5% of its workers broken (expired Calico token; 1,501 pods stuck, their kubelets retrying
 * every 5 s), so the watch meets failures already recorded, then failures that keep coming. The phases:
 *
 * 1. Failures present at start → thread: from spawning the bot (and from its first watch request, i.e. its initial
 *    lists done) to the incident thread's parent message in the fake Slack. Between the two, a window while the first
 *    debounce runs shows the watch's cost before any diagnosis has run in the process.
 * 2. Steady while the incident goes on: RSS and CPU over a window after the thread, the kubelets still failing.
 * 3. The cure: calico-node restarted on the broken workers (install-cni rewrites their token); waits until the watch's
 *    next diagnosis finds the cluster healthy and resolves the incident, then until no diagnosis has started for a
 *    debounce and a diagnosis's length (failures seen during the resolving diagnosis start one more).
 * 4. Idle: RSS and CPU over a window with nothing failing: the watch's steady cost (goals: RSS ≤ 200 MB, CPU ≤ 5%).
 * 5. New failure on a steady watch → thread: one healthy worker loses /var/lib/calico/nodename (as when calico-node
 *    is gone) and a pod is bound to it; from the kubelet's first FailedCreatePodSandBox event (as the simulated API
 *    server stores it) to the new incident thread's parent. Reported beside the configured debounce.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig, loadSlackSettings } from "../src/config.ts";
import { type RunningSimulatedCluster, startSimulatedCluster } from "../src/sim/index.ts";
import {
  type FakeSlack,
  freshSlackCredentials,
  type StoredMessage,
  startFakeSlack,
} from "../src/sim/slack/index.ts";
import { LARGE_SCENARIO } from "./diagnosis-large.ts";
import { imageNodeFlags } from "./lib/image-node-flags.ts";
import { memoryOf, observeProcess, type ProcessWindow } from "./lib/proc.ts";
import { until } from "./lib/until.ts";

export const WATCH_GOALS = { steadyRssBytes: 200_000_000, idleCpuPctOfCore: 5 } as const;

const CHANNEL = "C0INCIDENT";
const BOT_NAMESPACE = "cni-doctor";
const NODENAME_FILE = "/var/lib/calico/nodename";

/** The bot's requests to the API server that the watch or a diagnosis makes, counted per phase. */
interface RequestCounts {
  listEvents: number;
  watchEvents: number;
  listNodes: number;
  watchNodes: number;
  all: number;
}

export interface WatchWindow extends ProcessWindow {
  requests: RequestCounts;
  /** Incident diagnoses that ended in the window (each posts a reply or resolves), from the thread's replies. */
  threadReplies: number;
}

export interface IncidentWatchBenchResult {
  scenario: string;
  cluster: { nodes: number; pods: number; events: number; sandboxFailureEvents: number; startMs: number };
  settings: { debounceSeconds: number; recheckSeconds: number; leaseSeconds: number };
  startup: {
    /** Spawn → the bot says it is connected to Slack. */
    connectedMs: number;
    /** Spawn → the watch's first watch request (its lists of failure events and nodes done). */
    initialListsDoneMs: number;
    /** Spawn → the incident thread's parent, the failures having been recorded before the bot started. */
    failuresPresentToThreadMs: number;
    /** The watch's lists done → the thread (debounce + one diagnosis + posting). */
    listsDoneToThreadMs: number;
    requests: RequestCounts;
  };
  /** The watch's lists done, failures signalled, the debounce running: no diagnosis has run in this process yet. */
  beforeAnyDiagnosis: WatchWindow;
  incidentOngoing: WatchWindow;
  cure: { restartedAgents: number; resolvedAfterMs: number; settledMs: number };
  idle: WatchWindow;
  newFailure: { node: string; firstFailingEventToThreadMs: number; headline: string };
  /** VmHWM at the end: the bot's peak resident set over the whole run (diagnoses of the large cluster included). */
  peakRssBytes: number;
  /** The bot's own view of its memory at the end of the idle window (/metrics, prom-client). */
  idleHeap: { heapUsedBytes: number; heapTotalBytes: number; externalBytes: number };
  goals: { idleRss: boolean; idleCpu: boolean; ongoingRss: boolean; ongoingCpu: boolean };
}

export interface IncidentWatchBenchOptions {
  node: string;
  /** The steady windows' length (incident ongoing, then idle). */
  windowMs: number;
  /** Extra arguments for the bot's Node (e.g. --cpu-prof), for profiling. */
  botNodeArgs?: string[];
  /** More environment for the bot (e.g. allocator settings), for profiling. */
  botEnv?: Record<string, string>;
  /** Called with the bot's pid after the idle window (e.g. to ask it for a heap snapshot), for profiling. */
  afterIdle?: (pid: number) => Promise<void>;
  log: (line: string) => void;
  /** Default: the `large` scenario of benchmark 2 (a smaller one only to compare against, when profiling). */
  scenario?: string;
}

export interface WatchWorld {
  sim: RunningSimulatedCluster;
  slack: FakeSlack;
  bot: ChildProcess;
  spawnedAt: number;
  connectedAt: number;
  botOutput: () => string;
  opsUrl: string;
  requests: () => RequestCounts;
  /** performance.now() of the bot's first watch request on events. */
  firstWatchAt: () => number | undefined;
  settings: IncidentWatchBenchResult["settings"];
  stop(): Promise<void>;
}

const noRequests = (): RequestCounts => ({
  listEvents: 0,
  watchEvents: 0,
  listNodes: 0,
  watchNodes: 0,
  all: 0,
});

function diff(a: RequestCounts, b: RequestCounts): RequestCounts {
  return {
    listEvents: a.listEvents - b.listEvents,
    watchEvents: a.watchEvents - b.watchEvents,
    listNodes: a.listNodes - b.listNodes,
    watchNodes: a.watchNodes - b.watchNodes,
    all: a.all - b.all,
  };
}

/** The simulated cluster (RBAC on, so every request's verb is seen), the fake Slack, and the bot with its watch. */
export async function startWatchWorld(options: IncidentWatchBenchOptions): Promise<WatchWorld> {
  const sim = await startSimulatedCluster({
    scenario: options.scenario ?? LARGE_SCENARIO,
    port: 0,
    sshNodes: false,
    rbac: true,
  });
  const counts = noRequests();
  let firstWatchAt: number | undefined;
  sim.onAuthorization(({ attributes: a }) => {
    counts.all++;
    if (a.resource === "events" && a.verb === "list") counts.listEvents++;
    if (a.resource === "events" && a.verb === "watch") {
      counts.watchEvents++;
      firstWatchAt ??= performance.now();
    }
    if (a.resource === "nodes" && a.verb === "list") counts.listNodes++;
    if (a.resource === "nodes" && a.verb === "watch") counts.watchNodes++;
  });
  const dir = await mkdtemp(join(tmpdir(), "cni-doctor-bench-watch-"));
  const kubeconfigPath = join(dir, "kubeconfig");
  await writeFile(kubeconfigPath, sim.kubeconfig(), { mode: 0o600 });
  // The bot's namespace, as its manifests create it: the watch's Lease and its incident records live there.
  sim.store.create("namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: BOT_NAMESPACE } });
  // Fresh per run and never printed.
  const secrets = freshSlackCredentials();
  const slack = await startFakeSlack({
    ...secrets,
    users: [{ id: "U0ONCALL01", name: "ana" }],
    usergroups: {},
    channels: [{ id: CHANNEL, name: "incidents" }],
    pingIntervalMs: 1000,
  });
  // The shipped defaults for debounce, recheck and the Lease: the benchmark measures the watch as configured.
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "",
    SLACK_BOT_TOKEN: secrets.botToken,
    SLACK_APP_TOKEN: secrets.appToken,
    PORT: "0",
    SLACK_API_URL: slack.apiUrl,
    CNI_DOCTOR_INCIDENT_CHANNEL: CHANNEL,
    CNI_DOCTOR_LOG_LEVEL: "warn",
    ...options.botEnv,
  };
  let output = "";
  const spawnedAt = performance.now();
  const bot = spawn(
    options.node,
    // As the image runs it: the Dockerfile's ENTRYPOINT flags.
    [
      ...imageNodeFlags(),
      ...(options.botNodeArgs ?? []),
      "bin/cni-doctor.js",
      "serve",
      "--kubeconfig",
      kubeconfigPath,
    ],
    { env, stdio: ["ignore", "pipe", "pipe"] },
  );
  const keep = (d: Buffer) => {
    if (output.length < 1_000_000) output += d;
  };
  bot.stdout?.on("data", keep);
  bot.stderr?.on("data", keep);
  const stop = async () => {
    // SIGTERM first: the bot shuts down cleanly and writes a --cpu-prof/--heap-prof profile if asked for.
    if (bot.exitCode === null) {
      const exited = new Promise((r) => bot.once("exit", r));
      bot.kill("SIGTERM");
      await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
      if (bot.exitCode === null && bot.signalCode === null) bot.kill("SIGKILL");
    }
    await slack.stop();
    await sim.stop();
    await rm(dir, { recursive: true, force: true });
  };
  const opsUrl = await until(
    "cni-doctor serve to connect",
    () => /metrics on (\S+?);/.exec(output)?.[1] ?? (bot.exitCode !== null ? "exited" : undefined),
    60_000,
  ).catch(async (err: Error) => {
    await stop();
    throw err;
  });
  if (opsUrl === "exited") {
    await stop();
    throw new Error(`cni-doctor serve exited: ${output.slice(-1500)}`);
  }
  return {
    sim,
    slack,
    bot,
    spawnedAt,
    connectedAt: performance.now(),
    botOutput: () => output,
    opsUrl,
    requests: () => ({ ...counts }),
    firstWatchAt: () => firstWatchAt,
    settings: settingsOf(env),
    stop,
  };
}

/** The watch's timing as the bot reads it from the same environment. */
function settingsOf(env: Record<string, string>): IncidentWatchBenchResult["settings"] {
  const incident = loadSlackSettings(env).incident;
  if (!incident) throw new Error("the incident channel is not set up in the bot's environment");
  return {
    debounceSeconds: incident.debounceMs / 1000,
    recheckSeconds: incident.recheckMs / 1000,
    leaseSeconds: loadConfig(env).remediation.leaseDurationSeconds,
  };
}

const isIncidentParent = (m: StoredMessage) =>
  m.channel === CHANNEL && !m.threadTs && m.text.startsWith("cni-doctor incident");

function incidentRecords(world: WatchWorld): { key: string; threadTs: string; resolvedAt: string | null }[] {
  const cm = world.sim.store.get("configmaps", BOT_NAMESPACE, "cni-doctor-incidents") as
    | { data?: Record<string, string> }
    | undefined;
  return Object.values(JSON.parse(cm?.data?.["incidents.json"] ?? "{}"));
}

/** Replies the bot posted in its incident threads so far (one per diagnosis that found more failures or resolved). */
function threadReplies(world: WatchWorld): number {
  const parents = new Set(world.slack.workspace.messages.filter(isIncidentParent).map((m) => m.ts));
  return world.slack.workspace.messages.filter((m) => m.threadTs && parents.has(m.threadTs)).length;
}

/** A steady window: the bot's RSS and CPU, its requests, and the thread replies (diagnoses) within it. */
async function watchWindow(world: WatchWorld, ms: number): Promise<WatchWindow> {
  const requestsBefore = world.requests();
  const repliesBefore = threadReplies(world);
  const window = await observeProcess(world.bot.pid as number, ms);
  return {
    ...window,
    requests: diff(world.requests(), requestsBefore),
    threadReplies: threadReplies(world) - repliesBefore,
  };
}

/** Waits for the watch's initial lists, then observes it during its first debounce, before any diagnosis. */
async function beforeAnyDiagnosis(world: WatchWorld, windowMs: number): Promise<WatchWindow> {
  const listsDoneAt = await until("the watch's first watch request", () => world.firstWatchAt(), 120_000);
  // The debounce started with the first failure the lists delivered; observe its middle third.
  const debounceMs = world.settings.debounceSeconds * 1000;
  const ms = Math.min(windowMs, debounceMs / 3);
  await new Promise((r) => setTimeout(r, Math.max(0, listsDoneAt + debounceMs / 3 - performance.now())));
  const window = await watchWindow(world, ms);
  if (window.requests.listEvents > 0 || world.slack.workspace.messages.some(isIncidentParent))
    throw new Error("a diagnosis ran in the window meant to come before any diagnosis");
  return window;
}

async function firstThread(world: WatchWorld): Promise<IncidentWatchBenchResult["startup"]> {
  const parent = await until(
    "the incident thread for the failures present at start",
    () => world.slack.workspace.messages.find(isIncidentParent),
    300_000,
  ).catch((err: Error) => {
    throw new Error(`${err.message}; bot output: ${world.botOutput().slice(-1500)}`);
  });
  const threadAt = performance.now();
  const listsDoneAt = world.firstWatchAt() ?? Number.NaN;
  if (!parent.text) throw new Error("the incident parent has no text");
  return {
    connectedMs: world.connectedAt - world.spawnedAt,
    initialListsDoneMs: listsDoneAt - world.spawnedAt,
    failuresPresentToThreadMs: threadAt - world.spawnedAt,
    listsDoneToThreadMs: threadAt - listsDoneAt,
    requests: world.requests(),
  };
}

/** Restarts calico-node on every worker with stuck pods (install-cni writes a fresh token), until resolved. */
async function cure(world: WatchWorld): Promise<IncidentWatchBenchResult["cure"]> {
  const { store } = world.sim;
  const broken = new Set(
    store
      .list("pods")
      .filter((p) => p.status?.phase === "Pending" && p.spec?.nodeName)
      .map((p) => p.spec?.nodeName as string),
  );
  const agents = store
    .list("pods", world.sim.cluster.calicoNamespace)
    .filter((p) => world.sim.cluster.calicoNodePod(p) && broken.has(p.spec?.nodeName ?? ""));
  const started = performance.now();
  for (const agent of agents) store.delete("pods", agent.metadata.namespace, agent.metadata.name);
  await until(
    "every incident resolved after the cure",
    () => {
      const records = incidentRecords(world);
      return records.length > 0 && records.every((r) => r.resolvedAt !== null);
    },
    600_000,
    100,
  ).catch((err: Error) => {
    const said = world.slack.workspace.messages.map((m) => m.text.slice(0, 200)).join("\n  ");
    throw new Error(
      `${err.message}; the bot said:\n  ${said}\nbot output: ${world.botOutput().slice(-1500)}`,
    );
  });
  const resolvedAfterMs = performance.now() - started;
  // Failures that arrived while the resolving diagnosis ran start one more debounce (and diagnosis) after it: wait
  // until the watch has made no request that a diagnosis makes for a debounce and a diagnosis's length.
  const quietMs = world.settings.debounceSeconds * 1000 + 10_000;
  let lists = world.requests().listEvents;
  let quietSince = performance.now();
  await until(
    "the watch to go quiet after the cure",
    () => {
      const now = world.requests().listEvents;
      if (now !== lists) {
        lists = now;
        quietSince = performance.now();
      }
      return performance.now() - quietSince >= quietMs;
    },
    600_000,
    100,
  );
  return { restartedAgents: agents.length, resolvedAfterMs, settledMs: performance.now() - started };
}

/**
 * A healthy worker loses calico-node's nodename file and a pod is bound to it: the kubelet's first
 * FailedCreatePodSandBox for that pod is the first failing event; the new thread's parent ends the measure.
 */
async function newFailure(world: WatchWorld): Promise<IncidentWatchBenchResult["newFailure"]> {
  const { store, cluster } = world.sim;
  const busy = new Set(
    store
      .list("pods")
      .filter((p) => p.status?.phase !== "Running")
      .map((p) => p.spec?.nodeName),
  );
  const node = [...cluster.nodes.keys()].find((n) => n.startsWith("k8s-worker") && !busy.has(n));
  if (!node) throw new Error("no healthy worker left to break");
  const podName = "bench-new-failure";
  let failedAt: number | undefined;
  const unsubscribe = store.subscribe((e) => {
    const event = e.object as { reason?: string; involvedObject?: { name?: string } };
    if (
      e.resource === "events" &&
      event.reason === "FailedCreatePodSandBox" &&
      event.involvedObject?.name === podName
    )
      failedAt ??= performance.now();
  });
  const threadsBefore = new Set(world.slack.workspace.messages.filter(isIncidentParent).map((m) => m.ts));
  try {
    cluster.nodes.get(node)?.fs.remove(NODENAME_FILE);
    store.create("pods", {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: podName, namespace: "team-000", labels: { app: "bench-new-failure" } },
      spec: {
        nodeName: node,
        containers: [{ name: "agnhost", image: "registry.k8s.io/e2e-test-images/agnhost:2.47" }],
      },
      status: { phase: "Pending" },
    });
    const parent = await until(
      "a new incident thread for the new failure",
      () => world.slack.workspace.messages.find((m) => isIncidentParent(m) && !threadsBefore.has(m.ts)),
      300_000,
    ).catch((err: Error) => {
      const said = world.slack.workspace.messages.map((m) => m.text.slice(0, 200)).join("\n  ");
      throw new Error(
        `${err.message}; the bot said:\n  ${said}\nbot output: ${world.botOutput().slice(-1500)}`,
      );
    });
    const threadAt = performance.now();
    if (failedAt === undefined)
      throw new Error("the new pod's FailedCreatePodSandBox event was never stored");
    return { node, firstFailingEventToThreadMs: threadAt - failedAt, headline: parent.text.slice(0, 160) };
  } finally {
    unsubscribe();
  }
}

/** One gauge's value from Prometheus text. */
function gauge(body: string, name: string): number {
  const line = body.split("\n").find((l) => l.startsWith(`${name} `));
  return line === undefined ? Number.NaN : Number(line.slice(name.length + 1));
}

async function heapOf(world: WatchWorld): Promise<IncidentWatchBenchResult["idleHeap"]> {
  const body = await (await fetch(new URL("/metrics", world.opsUrl))).text();
  return {
    heapUsedBytes: gauge(body, "nodejs_heap_size_used_bytes"),
    heapTotalBytes: gauge(body, "nodejs_heap_size_total_bytes"),
    externalBytes: gauge(body, "nodejs_external_memory_bytes"),
  };
}

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(0)} MB`;

function describeWindow(name: string, w: WatchWindow): string {
  return `  ${name}: RSS median ${mb(w.rssMedianBytes)} (max ${mb(w.rssMaxBytes)}), CPU ${w.cpuMs} ms in ${(w.wallMs / 1000).toFixed(1)} s = ${w.cpuPctOfCore.toFixed(1)}% of a core; ${w.threadReplies} thread replies; requests: ${JSON.stringify(w.requests)}`;
}

export async function benchIncidentWatch(
  options: IncidentWatchBenchOptions,
): Promise<IncidentWatchBenchResult> {
  const simStarted = performance.now();
  const world = await startWatchWorld(options);
  const startMs = performance.now() - simStarted;
  const { store } = world.sim;
  const cluster = {
    nodes: store.list("nodes").length,
    pods: store.list("pods").length,
    events: store.list("events").length,
    sandboxFailureEvents: store.list("events").filter((e) => e.reason === "FailedCreatePodSandBox").length,
    startMs,
  };
  try {
    options.log(
      `  ${cluster.nodes} nodes, ${cluster.pods} pods, ${cluster.events} events; debounce ${world.settings.debounceSeconds} s`,
    );
    const before = await beforeAnyDiagnosis(world, options.windowMs);
    options.log(describeWindow("watching, before any diagnosis", before));
    const startup = await firstThread(world);
    options.log(
      `  failures present at start → thread: ${Math.round(startup.failuresPresentToThreadMs)} ms from spawn (lists done at ${Math.round(startup.initialListsDoneMs)} ms)`,
    );
    const incidentOngoing = await watchWindow(world, options.windowMs);
    options.log(describeWindow("incident ongoing", incidentOngoing));
    const cured = await cure(world);
    options.log(
      `  cured ${cured.restartedAgents} calico-node agents; resolved after ${Math.round(cured.resolvedAfterMs)} ms, quiet after ${Math.round(cured.settledMs)} ms`,
    );
    const idle = await watchWindow(world, options.windowMs);
    const idleHeap = await heapOf(world);
    options.log(describeWindow("idle", idle));
    if (idle.requests.listEvents > 0) throw new Error("the watch diagnosed during the idle window: not idle");
    await options.afterIdle?.(world.bot.pid as number);
    const failure = await newFailure(world);
    options.log(
      `  new failure on ${failure.node} → thread: ${Math.round(failure.firstFailingEventToThreadMs)} ms`,
    );
    const peakRssBytes = (await memoryOf(world.bot.pid as number)).hwmBytes;
    return {
      scenario: options.scenario ?? LARGE_SCENARIO,
      cluster,
      settings: world.settings,
      startup,
      beforeAnyDiagnosis: before,
      incidentOngoing,
      cure: cured,
      idle,
      newFailure: failure,
      peakRssBytes,
      idleHeap,
      goals: {
        idleRss: idle.rssMedianBytes <= WATCH_GOALS.steadyRssBytes,
        idleCpu: idle.cpuPctOfCore <= WATCH_GOALS.idleCpuPctOfCore,
        ongoingRss: incidentOngoing.rssMedianBytes <= WATCH_GOALS.steadyRssBytes,
        ongoingCpu: incidentOngoing.cpuPctOfCore <= WATCH_GOALS.idleCpuPctOfCore,
      },
    };
  } finally {
    await world.stop();
  }
}
