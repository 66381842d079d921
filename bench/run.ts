/**
 * `npm run bench`: every benchmark of issue 8 in one run, side by side. Writes bench/results/latest.json and prints a
 * markdown table. Benchmarks report numbers; nothing here passes or fails a test.
 *
 * Options: --only diagnosis,fanout,classifier,slack,remediation,thread,ackload,watch,startup   --quick (fewer repeats)   --profile (CPU profiles
 * of the diagnosis runs under bench/results/profiles/)
 */
import { execFileSync } from "node:child_process";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import {
  type AckLatencyResult,
  type AckStats,
  type AckUnderLoadPhase,
  type AckUnderLoadResult,
  benchAckUnderDiagnosis,
  benchSlashAck,
} from "./acks.ts";
import { benchClassifier, type ClassifierResult } from "./classifier.ts";
import { benchDiagnosisLarge, type DiagnosisBenchResult, GOALS } from "./diagnosis-large.ts";
import { benchIncidentWatch, type IncidentWatchBenchResult, WATCH_GOALS } from "./incident-watch.ts";
import { describeMachine } from "./lib/machine.ts";
import { fmtBytes, fmtMs, fmtNumber, round } from "./lib/stats.ts";
import { benchNodeFanout, type FanoutLevel, type FanoutResult } from "./node-fanout.ts";
import { benchRemediation, type RemediationBenchResult } from "./slack.ts";
import { BEFORE_LAZY_LOAD_REF, benchStartup, renderStartupRows, type StartupBenchResult } from "./startup.ts";
import { benchThread, THREAD_GOALS, type ThreadBenchResult } from "./thread.ts";

const ALL = [
  "slack",
  "diagnosis",
  "fanout",
  "remediation",
  "classifier",
  "thread",
  "ackload",
  "watch",
  "startup",
] as const;
type BenchName = (typeof ALL)[number];

const { values } = parseArgs({
  options: {
    only: { type: "string" },
    quick: { type: "boolean", default: false },
    profile: { type: "boolean", default: false },
  },
});
const selected = new Set<BenchName>(
  values.only ? (values.only.split(",").map((s) => s.trim()) as BenchName[]) : [...ALL],
);
const quick = values.quick ?? false;
const resultsDir = new URL("./results/", import.meta.url).pathname;
const nodeBinary = process.execPath;
const log = (line: string) => process.stderr.write(`${line}\n`);

function kubectlVersion(): string | null {
  try {
    const out = execFileSync("kubectl", ["version", "--client", "-o", "json"], { stdio: "pipe" }).toString();
    return (
      (JSON.parse(out) as { clientVersion?: { gitVersion?: string } }).clientVersion?.gitVersion ?? "unknown"
    );
  } catch {
    return null;
  }
}

const kubectl = kubectlVersion();
const machine = describeMachine(kubectl);
const startedAt = new Date();
log(
  `cni-doctor benchmarks on ${machine.cores} × ${machine.cpuModel}, ${machine.memoryGiB} GiB, Node ${machine.node}`,
);

/** A benchmark that failed is reported as such in the table and the JSON; the others still run. */
const failures: Record<string, string> = {};
async function attempt<T>(name: BenchName, run: () => Promise<T>): Promise<T | undefined> {
  try {
    return await run();
  } catch (err) {
    failures[name] = (err as Error).message.slice(0, 4000);
    log(`  ${name} failed: ${failures[name]}`);
    return undefined;
  }
}

const results: {
  slack?: AckLatencyResult;
  diagnosis?: DiagnosisBenchResult;
  fanout?: FanoutResult;
  remediation?: RemediationBenchResult;
  classifier?: ClassifierResult;
  thread?: ThreadBenchResult;
  ackload?: AckUnderLoadResult;
  watch?: IncidentWatchBenchResult;
  startup?: StartupBenchResult;
} = {};

if (selected.has("slack")) {
  log("1. slash-command ack latency");
  results.slack = await attempt("slack", () =>
    benchSlashAck({
      requests: 500,
      concurrency: 100,
      node: nodeBinary,
      ...(values.profile ? { cpuProfileDir: `${resultsDir}profiles` } : {}),
      log,
    }),
  );
}
if (selected.has("diagnosis")) {
  log("2. diagnosis on large");
  const cpuProfileDir = values.profile ? `${resultsDir}profiles` : undefined;
  if (cpuProfileDir) await mkdir(cpuProfileDir, { recursive: true });
  results.diagnosis = await attempt("diagnosis", () =>
    benchDiagnosisLarge({
      runs: quick ? 3 : 7,
      runbookRuns: 1,
      kubectl: kubectl ? "kubectl" : null,
      node: nodeBinary,
      ...(cpuProfileDir ? { cpuProfileDir } : {}),
      log,
    }),
  );
}
if (selected.has("fanout")) {
  log("3. node inspection fan-out");
  results.fanout = await attempt("fanout", () =>
    benchNodeFanout({
      nodes: 200,
      concurrencies: [1, 8, 32, 64],
      repeats: quick ? 1 : 3,
      node: nodeBinary,
      log,
    }),
  );
}
if (selected.has("remediation")) {
  log("4. remediating 10 nodes through Slack");
  results.remediation = await attempt("remediation", () =>
    benchRemediation({ nodes: 10, node: nodeBinary, log }),
  );
}
if (selected.has("classifier")) {
  log("5. classifier");
  results.classifier = await attempt("classifier", () =>
    benchClassifier({ rounds: quick ? 3 : 5, roundMs: quick ? 500 : 1000 }),
  );
}

if (selected.has("thread")) {
  log("6. the incident thread (Slack calls, card, proactive time to thread)");
  results.thread = await attempt("thread", () => benchThread({ log }));
}

if (selected.has("ackload")) {
  log("7. slash-command acks while the bot diagnoses large (issue 17, item 1)");
  results.ackload = await attempt("ackload", () =>
    benchAckUnderDiagnosis({
      ratePerSecond: 50,
      idleMs: quick ? 2000 : 5000,
      diagnoses: quick ? 1 : 3,
      node: nodeBinary,
      ...(values.profile ? { cpuProfileDir: `${resultsDir}profiles` } : {}),
      log,
    }),
  );
}

if (selected.has("watch")) {
  log("8. the incident watch on large: steady RSS and CPU, time to thread (issue 17, item 2)");
  const profileDir = values.profile ? `${resultsDir}profiles` : undefined;
  if (profileDir) await mkdir(profileDir, { recursive: true });
  results.watch = await attempt("watch", () =>
    benchIncidentWatch({
      node: nodeBinary,
      windowMs: quick ? 10_000 : 30_000,
      ...(profileDir ? { botNodeArgs: ["--cpu-prof", `--cpu-prof-dir=${profileDir}`] } : {}),
      log,
    }),
  );
}

if (selected.has("startup")) {
  log(
    "9. start-up: cni-doctor diagnose beside kubectl get pods -A, on the demo's small cluster (issue 17, item 4)",
  );
  results.startup = await attempt("startup", () =>
    benchStartup({
      runs: quick ? 3 : 7,
      node: nodeBinary,
      kubectl: kubectl ? "kubectl" : null,
      baselineRef: BEFORE_LAZY_LOAD_REF,
      log,
    }),
  );
}

const report = {
  startedAt: startedAt.toISOString(),
  durationMs: Date.now() - startedAt.getTime(),
  machine,
  quick,
  results,
  failures,
};
await mkdir(resultsDir, { recursive: true });
if (values.only) {
  // A partial run (--only) updates its benchmarks in the last full report and says so; the others keep their numbers.
  const previous = await readFile(`${resultsDir}latest.json`, "utf8").then(
    (text) => JSON.parse(text) as typeof report & { reruns?: { only: string; startedAt: string }[] },
    () => undefined,
  );
  if (previous) {
    for (const name of selected) delete previous.failures?.[name];
    Object.assign(report, {
      ...previous,
      results: { ...previous.results, ...results },
      failures: { ...previous.failures, ...failures },
      reruns: [...(previous.reruns ?? []), { only: values.only, startedAt: report.startedAt }],
    });
  }
}
await writeFile(`${resultsDir}latest.json`, `${JSON.stringify(report, null, 2)}\n`);
process.stdout.write(renderTable(report));
// This run's own time: after an --only merge, report.durationMs is the last full run's.
log(`results: bench/results/latest.json (${round((Date.now() - startedAt.getTime()) / 1000)} s)`);

/**
 * Benchmark 3's rows: SSH and the Kubernetes transport side by side (each measure's SSH row, then its Kubernetes
 * row), then where one node's time goes over Kubernetes. A report from before the Kubernetes transport was measured
 * has SSH rows only.
 */
function fanoutRows(f: FanoutResult, met: (ok: boolean | null) => string): string[][] {
  const rows: string[][] = [];
  const k = f.kubernetes;
  const level = (l: FanoutLevel, cores: number) =>
    `ideal ⌈n/c⌉ × single = ${fmtNumber(l.idealMs)} ms (${Math.round(l.efficiency * 100)}% of ideal); CPU floor on ${cores} cores ${fmtNumber(l.cpuBoundMs)} ms (client ${fmtNumber(l.clientCpuMsPerNode)} + nodes ${fmtNumber(l.serverCpuMsPerNode)} ms CPU/node)`;
  const transports = k ? "SSH and Kubernetes agent pods" : "SSH";
  rows.push([
    `3. Node inspection fan-out (${f.nodes} nodes, ${transports})`,
    "SSH: single node",
    fmtMs(f.singleNodeMs),
    "",
  ]);
  if (k)
    rows.push([
      "",
      "Kubernetes: single node",
      fmtMs(k.singleNodeMs),
      `${(k.singleNodeMs.median / f.singleNodeMs.median).toFixed(1)} × SSH`,
    ]);
  for (const l of f.levels) {
    rows.push(["", `SSH: concurrency ${l.concurrency}`, fmtMs(l.wallMs), level(l, f.cores)]);
    const kl = k?.levels.find((x) => x.concurrency === l.concurrency);
    if (kl)
      rows.push([
        "",
        `Kubernetes: concurrency ${kl.concurrency}`,
        fmtMs(kl.wallMs),
        `${level(kl, f.cores).replace("+ nodes", "+ API server/kubelet/exec")}; ${(kl.wallMs.median / l.wallMs.median).toFixed(1)} × SSH`,
      ]);
  }
  if (f.errors > 0) rows.push(["", "SSH: errors", String(f.errors), ""]);
  const h = f.knownHosts;
  if (h)
    rows.push([
      "",
      `SSH: known_hosts at concurrency ${h.concurrency} (${h.fanouts} fan-outs)`,
      `read ${fmtNumber(h.reads)} times for ${fmtNumber(h.loads)} connections`,
      `read once per change (the file did not change): ${met(h.reads <= 1)}`,
    ]);
  if (!k) return rows;
  if (k.errors > 0) rows.push(["", "Kubernetes: errors", String(k.errors), ""]);
  const p = k.phases;
  rows.push([
    "",
    "Kubernetes, one node: start (create + wait Running)",
    fmtMs(p.startMs),
    `create request ${fmtNumber(p.createMs.median)} ms; simulated kubelet → Running ${fmtNumber(p.kubeletRunningMs.median)} ms after (the sim's kubelet model, not a real one); each status read ${fmtNumber(p.readMs.median)} ms, polled at most every ${p.pollIntervalMs} ms`,
  ]);
  rows.push([
    "",
    `Kubernetes, one node: ${fmtNumber(p.execsPerNode)} exec round trips`,
    `${fmtMs(p.execMs)} each`,
    `one WebSocket (TLS handshake + upgrade) per command: ${Object.entries(p.execsByProgram)
      .map(([program, n]) => `${program} ${fmtNumber(n)}`)
      .join(", ")}`,
  ]);
  rows.push([
    "",
    "Kubernetes, one node: delete (on close)",
    fmtMs(p.removeMs),
    `close ${fmtNumber(p.closeMs.median)} ms; ${fmtNumber(p.apiRequestsPerNode)} API requests and ${fmtNumber(p.connectionsPerNode)} TCP+TLS connections per node (exec upgrades included)`,
  ]);
  return rows;
}

function renderTable(r: typeof report): string {
  const rows: string[][] = [];
  const met = (ok: boolean | null) => (ok === null ? "n/a" : ok ? "met" : "**not met**");
  const a = r.results.slack;
  if (a) {
    rows.push([
      `1. Slash-command ack (${a.requests} × ${a.command}, ${a.concurrency} concurrent, probe in its own process)`,
      "p50 / p99 / max",
      `${fmtNumber(a.p50Ms)} / ${fmtNumber(a.p99Ms)} / ${fmtNumber(a.maxMs)} ms${a.non200 ? `; ${a.non200} not 200` : ""}`,
      `p99 ≤ ${a.goalP99Ms} ms: ${met(a.met)} (Slack's limit 3,000 ms)`,
    ]);
  }
  const d = r.results.diagnosis;
  if (d) {
    const c = d.cluster;
    const what = `2. Diagnosis on large (${fmtNumber(c.nodes)} nodes, ${fmtNumber(c.pods)} pods, ${fmtNumber(c.events)} events)`;
    rows.push([what, "wall time", fmtMs(d.diagnosis.wallMs), ""]);
    rows.push([
      "",
      "API requests / bytes received",
      `${fmtNumber(d.diagnosis.apiRequests.median)} / ${fmtBytes(d.diagnosis.bytesReceived.median)}`,
      "",
    ]);
    rows.push([
      "",
      "peak RSS (child VmHWM)",
      `${fmtNumber(d.diagnosis.peakRssBytes.median / 1e6)} MB (max ${fmtNumber(d.diagnosis.peakRssBytes.max / 1e6)})`,
      `≤ ${GOALS.peakRssBytes / 1e6} MB: ${met(d.goals.peakRss)}`,
    ]);
    rows.push([
      "",
      "floor: same client, lists only",
      `${fmtMs(d.floor.wallMs)}; lists alone ${fmtNumber(d.floor.listMs.median)} ms; ${fmtNumber(d.floor.apiRequests.median)} req, ${fmtBytes(d.floor.bytesReceived.median)}; peak RSS ${fmtNumber(d.floor.peakRssBytes.median / 1e6)} MB`,
      `diagnosis = ${d.ratios.vsFloor.toFixed(2)} × floor (≤ ${GOALS.vsFloor}): ${met(d.goals.vsFloor)}`,
    ]);
    if (d.runbook) {
      for (const cmd of d.runbook.commands)
        rows.push([
          "",
          `\`${cmd.command}\``,
          `${fmtMs(cmd.wallMs)}; ${cmd.apiRequests} req, ${fmtBytes(cmd.bytesReceived)}`,
          "",
        ]);
      rows.push([
        "",
        "kubectl runbook (3 commands, sequential)",
        fmtMs(d.runbook.totalMs),
        `diagnosis = ${(d.ratios.vsRunbook ?? 0).toFixed(2)} × runbook (≤ ${GOALS.vsRunbook}): ${met(d.goals.vsRunbook)}`,
      ]);
    } else {
      rows.push(["", "kubectl runbook", `not measured: ${d.runbookSkipped}`, "—"]);
    }
  }
  const f = r.results.fanout;
  if (f) rows.push(...fanoutRows(f, met));
  const m = r.results.remediation;
  if (m) {
    rows.push([
      `4. Remediating ${m.nodes} nodes (/cni fix → Approve → summary; fix ${m.outcome})`,
      "Slack Web API calls",
      `${m.slackCalls} (${Object.entries(m.callsByMethod)
        .map(([k, v]) => `${k} ${v}`)
        .join(", ")})`,
      "",
    ]);
    rows.push([
      "",
      "peak chat.update rate",
      `${m.peakChatUpdatesPerSecond} per second (any 1 s window)`,
      "Slack: ~1/s per message",
    ]);
    rows.push([
      "",
      "bot's own overhead per node",
      `${fmtNumber(m.botCpuMsPerNode)} ms CPU per node (run ${fmtNumber(m.runWallMs / 1000)} s wall, ${fmtNumber(m.wallMsPerNode)} ms/node, the rest waiting on Kubernetes and SSH)`,
      "",
    ]);
  }
  const k = r.results.classifier;
  if (k) {
    rows.push([
      `5. Classifier (${k.corpus.messages} real messages of the catalog, ${k.corpus.explained} explained and ${k.corpus.traps} traps, mean ${k.corpus.meanChars} chars)`,
      "throughput",
      `${fmtNumber(k.throughputPerSec.median)} msg/s (${fmtNumber(k.throughputPerSec.min)}–${fmtNumber(k.throughputPerSec.max)}, n=${k.throughputPerSec.n})`,
      "",
    ]);
    const worst = [...k.adversarial].sort((a, b) => b.worstMs - a.worstMs)[0];
    rows.push([
      "",
      `64 KB adversarial (${k.adversarial.length} inputs), worst`,
      `${fmtNumber(k.worstAdversarialMs)} ms (${worst?.name ?? ""})`,
      "",
    ]);
  }
  const t = r.results.thread;
  if (t) {
    rows.push([
      "6. Incident thread, asked (`/cni diagnose`, Fix…, Approve; 2 nodes healed)",
      "chat.postMessage / chat.update",
      `${t.asked.postMessage} / ${t.asked.update}`,
      `≤ ${THREAD_GOALS.postMessage} / ≤ ${THREAD_GOALS.update}: ${met(t.goals.postMessage)} / ${met(t.goals.update)}`,
    ]);
    rows.push([
      "",
      "card length",
      `${t.asked.cardLines} lines`,
      `≤ ${THREAD_GOALS.cardLines}: ${met(t.goals.cardLines)}`,
    ]);
    rows.push([
      "6. Incident thread, proactive (nobody asks)",
      "bot serving with failures present → thread",
      `${fmtNumber(t.proactive.failuresPresentToThreadMs)} ms`,
      `debounce ${t.proactive.debounceSeconds} s + one diagnosis`,
    ]);
  }
  const u = r.results.ackload;
  if (u) {
    const acks = (a: AckStats) =>
      `${fmtNumber(a.p50Ms)} / ${fmtNumber(a.p99Ms)} / ${fmtNumber(a.maxMs)} ms (${a.acks}${a.non200 ? `, ${a.non200} not 200` : ""})`;
    const phase = (p: AckUnderLoadPhase) =>
      `\`/cni help\` ${acks(p.slash)}; Details click ${acks(p.click)}; bot's event-loop delay p99 ${fmtNumber(p.loopDelayP99Ms)} ms, max ${fmtNumber(p.loopDelayMaxMs)} ms (incl. the 10 ms sampling interval)`;
    rows.push([
      `7. Acks under incident load (${u.requests}, ${u.ratePerSecond}/s, one bot process, probe in its own process)`,
      "idle: ack p50 / p99 / max",
      phase(u.idle),
      "",
    ]);
    rows.push([
      "",
      `while diagnosing large (${u.duringDiagnosis.diagnoses} × ${fmtNumber(u.duringDiagnosis.diagnosisMs)} ms): ack p50 / p99 / max`,
      phase(u.duringDiagnosis),
      `p99 ≤ ${u.goalP99Ms} ms (both kinds): ${met(u.met)}`,
    ]);
  }
  if (r.results.watch) rows.push(...watchRows(r.results.watch, met));
  if (r.results.startup) rows.push(...renderStartupRows(r.results.startup));
  for (const [name, message] of Object.entries(r.failures))
    rows.push([`${name}`, "**failed**", message.split("\n")[0] ?? "", "see bench/results/latest.json"]);
  const header = ["Benchmark", "Measure", "Result (median, min–max, n)", "Comparison / goal"];
  const lines = [
    `\n## cni-doctor benchmarks — ${r.startedAt}`,
    ...((r as { reruns?: { only: string; startedAt: string }[] }).reruns ?? []).map(
      (x) => `Re-measured on their own: ${x.only} at ${x.startedAt}`,
    ),
    `Machine: ${r.machine.cores} × ${r.machine.cpuModel}, ${r.machine.memoryGiB} GiB, Node ${r.machine.node}, kubectl ${r.machine.kubectl ?? "absent"}${r.quick ? " (--quick)" : ""}\n`,
    `| ${header.join(" | ")} |`,
    `|${header.map(() => "---").join("|")}|`,
    ...rows.map((row) => `| ${row.map((c) => c.replaceAll("|", "\\|")).join(" | ")} |`),
    "",
  ];
  return `${lines.join("\n")}\n`;
}
function watchRows(w: IncidentWatchBenchResult, met: (ok: boolean | null) => string): string[][] {
  const mb = (bytes: number) => `${fmtNumber(bytes / 1e6)} MB`;
  const goalRss = `≤ ${WATCH_GOALS.steadyRssBytes / 1e6} MB`;
  const goalCpu = `≤ ${WATCH_GOALS.idleCpuPctOfCore}% of a core`;
  const window = (x: IncidentWatchBenchResult["idle"]) =>
    `${fmtNumber(x.cpuMs)} ms CPU in ${fmtNumber(x.wallMs / 1000)} s; ${x.threadReplies} thread replies; ${x.requests.listEvents} event list requests (pages), ${x.requests.watchEvents + x.requests.watchNodes} watch requests`;
  const c = w.cluster;
  return [
    [
      `8. Incident watch on large (${fmtNumber(c.nodes)} nodes, ${fmtNumber(c.pods)} pods, ${fmtNumber(c.events)} events, ${fmtNumber(c.sandboxFailureEvents)} sandbox failures; \`cni-doctor serve\`)`,
      "idle: steady RSS (VmRSS median / max)",
      `${mb(w.idle.rssMedianBytes)} / ${mb(w.idle.rssMaxBytes)} (heap used ${mb(w.idleHeap.heapUsedBytes)} of ${mb(w.idleHeap.heapTotalBytes)})`,
      `${goalRss}: ${met(w.goals.idleRss)}`,
    ],
    [
      "",
      "idle: CPU",
      `${fmtNumber(w.idle.cpuPctOfCore)}% of a core (${window(w.idle)})`,
      `${goalCpu}: ${met(w.goals.idleCpu)}`,
    ],
    [
      "",
      "incident ongoing (1,501 pods failing every 5 s): RSS median / max",
      `${mb(w.incidentOngoing.rssMedianBytes)} / ${mb(w.incidentOngoing.rssMaxBytes)}`,
      `${goalRss}: ${met(w.goals.ongoingRss)}`,
    ],
    [
      "",
      "incident ongoing: CPU",
      `${fmtNumber(w.incidentOngoing.cpuPctOfCore)}% of a core (${window(w.incidentOngoing)})`,
      `${goalCpu}: ${met(w.goals.ongoingCpu)}`,
    ],
    [
      "",
      "watching before any diagnosis (lists done, first debounce running): RSS median / CPU",
      `${mb(w.beforeAnyDiagnosis.rssMedianBytes)} / ${fmtNumber(w.beforeAnyDiagnosis.cpuPctOfCore)}% of a core`,
      `${goalRss}: ${met(w.beforeAnyDiagnosis.rssMedianBytes <= WATCH_GOALS.steadyRssBytes)}`,
    ],
    ["", "peak RSS over the run (VmHWM)", mb(w.peakRssBytes), "includes the watch's diagnoses of large"],
    [
      "",
      "failures present at start → thread",
      `${fmtNumber(w.startup.failuresPresentToThreadMs)} ms from spawn (lists done at ${fmtNumber(w.startup.initialListsDoneMs)} ms, then ${fmtNumber(w.startup.listsDoneToThreadMs)} ms)`,
      `debounce ${w.settings.debounceSeconds} s + one diagnosis`,
    ],
    [
      "",
      "new failure on a steady watch → thread",
      `${fmtNumber(w.newFailure.firstFailingEventToThreadMs)} ms (first FailedCreatePodSandBox stored → parent posted)`,
      `debounce ${w.settings.debounceSeconds} s + one diagnosis`,
    ],
  ];
}

// A benchmark that failed half-way may leave a server or a child's socket open; the report is written, so stop here.
process.exit(0);
