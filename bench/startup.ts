/**
 * Benchmark 9 (issue 17, item 4): how long `cni-doctor diagnose` takes to start, on the small simulated cluster
 * `npm run demo` uses (stale-cni-config: 3 nodes, 2 stuck pods), beside `kubectl get pods -A` on the same server.
 *
 * For each command, as a child process: time to first request (spawn → the first HTTP request the simulated API server
 * receives; the simulator runs in this process, so its request path is hooked here), total wall time, CPU time (user +
 * system; the machine is shared, and CPU time moves less with other work than wall time) and peak RSS (VmHWM). `cni-doctor --help` (no cluster) is measured too: start-up with nothing to do.
 *
 * Before/after the lazy command registry: with `baselineRef`, the same commands also run from that commit's src/ and
 * bin/ (extracted with `git archive` into a temporary directory that shares this node_modules), interleaved with the
 * current tree, so both are measured on the same machine in the same minutes.
 *
 * And a checked figure: which heavy packages `diagnose` loads, read from the module loader
 * (test/support/record-loaded-modules.ts); test/cli/lazy-commands.test.ts asserts the same.
 */
import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type RunningSimulatedCluster, startSimulatedCluster } from "../src/sim/index.ts";
import { cliLoadedModules } from "../test/support/loaded-modules.ts";
import { runTimed } from "./lib/process.ts";
import { fmtMs, fmtNumber, type Summary, summarize } from "./lib/stats.ts";

/** The scenario `npm run demo` (and `cni-doctor sim`) start by default. */
export const STARTUP_SCENARIO = "stale-cni-config";

/** Packages `diagnose` must not load unless it needs them (ssh2 only with a nodes file). */
export const HEAVY_PACKAGES = ["@slack/bolt", "@modelcontextprotocol/sdk", "ssh2"] as const;

/**
 * The commit before the lazy command registry (every command module imported at start). Measured beside the current
 * tree when its objects are in the repository (a shallow clone may lack them: the table then says so).
 *
 * Noted for when it cannot be: on 2 × AMD EPYC, Node v26.10.0, a shared machine (load average ~5), 7 runs each,
 * medians (2026-12-06):
 *   diagnose --kubeconfig K   before: first request 1,988 ms, wall 2,218 ms, CPU 1,940 ms, peak RSS 200 MB, 1,918 modules
 *                             after:  first request 1,530 ms, wall 1,700 ms, CPU 1,590 ms, peak RSS 192 MB, 1,592 modules
 *   --help                    before: wall 1,777 ms, CPU 1,650 ms, peak RSS 189 MB; after: 345 ms, 260 ms, 78.7 MB
 *   kubectl get pods -A       first request 175 ms, wall 201 ms, CPU 110 ms, peak RSS 48.6 MB
 * What remains is mostly @kubernetes/client-node: its KubeConfig (dist/config.js) imports the generated client
 * (dist/gen/index.js: every API class and, through ObjectSerializer, ~750 models), about 0.6–0.7 s to import on its
 * own, so no narrower import of it helps. Node's compile cache (NODE_COMPILE_CACHE) took CPU to 1,280 ms, so the CLI
 * now keeps one in the user's cache directory (bin/compile-cache.js).
 */
export const BEFORE_LAZY_LOAD_REF = "db2f55f";

export interface StartupFigures {
  /** Spawn → first request received by the simulated API server; null for a command that sends none. */
  firstRequestMs: Summary | null;
  wallMs: Summary;
  /** The child's CPU time, user + system (see runTimed): steadier than wall time on a shared machine. */
  cpuMs: Summary;
  peakRssBytes: Summary;
  apiRequests: number;
  /** The first request's method and path, as the server saw it. */
  firstRequest: string | null;
  exitCode: number | null;
}

export interface StartupCase {
  name: string;
  command: string;
  /**
   * `current` is this tree, as it runs (lazy commands, and the CLI's compile cache in the user's cache directory, warm
   * after the warm-up run); `before` is BEFORE_LAZY_LOAD_REF's (neither); `no-compile-cache` is this tree with the
   * cache turned off (NODE_DISABLE_COMPILE_CACHE=1), to show what the cache saves; kubectl is the machine's.
   */
  build: "current" | "before" | "no-compile-cache" | "kubectl";
  figures: StartupFigures;
}

export interface StartupBenchResult {
  scenario: string;
  runs: number;
  cases: StartupCase[];
  /** Why the 'before' build was not measured, when it was not. */
  beforeSkipped?: string;
  kubectlSkipped?: string;
  modules: {
    diagnose: { modules: number; packages: string[]; heavyLoaded: string[] };
    diagnoseBefore?: { modules: number; heavyLoaded: string[] };
    /** Met when diagnose (no nodes file) loads none of HEAVY_PACKAGES. */
    met: boolean;
  };
  ratios: {
    /** diagnose (current) / kubectl get pods -A, medians. */
    firstRequestVsKubectl: number | null;
    wallVsKubectl: number | null;
    cpuVsKubectl: number | null;
    rssVsKubectl: number | null;
  };
}

export interface StartupBenchOptions {
  runs: number;
  node: string;
  kubectl: string | null;
  /** Measure this commit's build too (the 'before'); null to skip. */
  baselineRef: string | null;
  log: (line: string) => void;
}

interface CommandUnderTest {
  name: string;
  build: StartupCase["build"];
  command: string;
  file: string;
  args: string[];
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

export async function benchStartup(options: StartupBenchOptions): Promise<StartupBenchResult> {
  const { log } = options;
  const work = await mkdtemp(join(tmpdir(), "cni-doctor-bench-startup-"));
  const sim = await startSimulatedCluster({ scenario: STARTUP_SCENARIO, port: 0, sshNodes: false });
  try {
    const kubeconfig = join(work, "kubeconfig");
    await writeFile(kubeconfig, sim.kubeconfig(), { mode: 0o600 });
    const requests = observeRequests(sim);
    // A cache directory of this run's own (bin/compile-cache.js keeps it under XDG_CACHE_HOME), warmed by the warm-up.
    const childEnv: NodeJS.ProcessEnv = {
      ...process.env,
      NO_COLOR: "1",
      XDG_CACHE_HOME: join(work, "cache"),
    };
    delete childEnv.NODE_COMPILE_CACHE;
    delete childEnv.NODE_DISABLE_COMPILE_CACHE;
    const baseline = options.baselineRef ? await extractBaseline(options.baselineRef, work) : null;
    const beforeSkipped = baseline && "error" in baseline ? baseline.error : undefined;
    const baselineDir = baseline && "dir" in baseline ? baseline.dir : null;

    const cli = (build: "current" | "before", cwd: string | undefined, args: string[]): CommandUnderTest => ({
      name: `cni-doctor ${args.join(" ").replace(kubeconfig, "K")}`,
      build,
      command: `node bin/cni-doctor.js ${args.join(" ").replace(kubeconfig, "K")}`,
      file: options.node,
      args: ["bin/cni-doctor.js", ...args],
      env: childEnv,
      ...(cwd ? { cwd } : {}),
    });
    const cases: CommandUnderTest[] = [];
    for (const [build, cwd] of [
      ["current", undefined],
      ...(baselineDir ? [["before", baselineDir] as const] : []),
    ] as const) {
      cases.push(
        cli(build, cwd, ["diagnose", "--kubeconfig", kubeconfig]),
        cli(build, cwd, ["diagnose", "--kubeconfig", kubeconfig, "--json"]),
        cli(build, cwd, ["--help"]),
      );
    }
    // What the CLI's compile cache saves: the same build with it turned off. Profiling showed compiling modules is
    // most of start-up.
    cases.push({
      ...cli("current", undefined, ["diagnose", "--kubeconfig", kubeconfig]),
      name: "cni-doctor diagnose --kubeconfig K, compile cache off",
      command: "NODE_DISABLE_COMPILE_CACHE=1 node bin/cni-doctor.js diagnose --kubeconfig K",
      build: "no-compile-cache",
      env: { ...childEnv, NODE_DISABLE_COMPILE_CACHE: "1" },
    });
    if (options.kubectl) {
      // HOME of its own: kubectl's discovery cache (~/.kube/cache) is this run's, warmed by the warm-up below.
      cases.push({
        name: "kubectl get pods -A",
        build: "kubectl",
        command: "kubectl get pods -A --kubeconfig K",
        file: options.kubectl,
        args: ["get", "pods", "-A", "--kubeconfig", kubeconfig],
        env: { ...childEnv, HOME: work },
      });
    }

    const samples = new Map<CommandUnderTest, TimedRun[]>(cases.map((c) => [c, []]));
    log("  warm-up (page cache, kubectl's discovery cache)");
    for (const c of cases) await runOnce(c, requests);
    for (let i = 0; i < options.runs; i++) {
      // Interleaved, so a slow spell of the machine touches every command alike.
      for (const c of cases) samples.get(c)?.push(await runOnce(c, requests));
      log(
        `  run ${i + 1}/${options.runs}: ${cases
          .map((c) => {
            const r = samples.get(c)?.at(-1);
            return `${c.build === "before" ? "before: " : ""}${c.name} ${Math.round(r?.wallMs ?? 0)} ms`;
          })
          .join(", ")}`,
      );
    }

    const result = cases.map((c) => ({
      name: c.name,
      command: c.command,
      build: c.build,
      figures: figuresOf(samples.get(c) ?? []),
    }));
    const modules = await diagnoseModules(options.node, kubeconfig, baselineDir, childEnv);
    const find = (build: StartupCase["build"], name: string) =>
      result.find((r) => r.build === build && r.name === name)?.figures;
    const diagnose = find("current", `cni-doctor diagnose --kubeconfig K`);
    const kubectl = find("kubectl", "kubectl get pods -A");
    const ratio = (a: Summary | null | undefined, b: Summary | null | undefined) =>
      a && b ? a.median / b.median : null;
    return {
      scenario: STARTUP_SCENARIO,
      runs: options.runs,
      cases: result,
      ...(beforeSkipped ? { beforeSkipped } : {}),
      ...(options.kubectl ? {} : { kubectlSkipped: "kubectl not found on PATH" }),
      modules,
      ratios: {
        firstRequestVsKubectl: ratio(diagnose?.firstRequestMs, kubectl?.firstRequestMs),
        wallVsKubectl: ratio(diagnose?.wallMs, kubectl?.wallMs),
        cpuVsKubectl: ratio(diagnose?.cpuMs, kubectl?.cpuMs),
        rssVsKubectl: ratio(diagnose?.peakRssBytes, kubectl?.peakRssBytes),
      },
    };
  } finally {
    await sim.stop();
    await rm(work, { recursive: true, force: true });
  }
}

interface TimedRun {
  wallMs: number;
  firstRequestMs: number | null;
  firstRequest: string | null;
  cpuMs: number;
  peakRssBytes: number;
  apiRequests: number;
  exitCode: number | null;
}

/** Runs one command against the simulator and notes when its first request arrived. */
async function runOnce(c: CommandUnderTest, requests: RequestObserver): Promise<TimedRun> {
  let first: { atMs: number; request: string } | null = null;
  const requests0 = requests.count();
  requests.listen((request, atMs) => {
    first ??= { atMs, request };
  });
  // runTimed takes its own start the same tick, just before spawn(); the difference is well under 0.1 ms.
  const spawnedAt = performance.now();
  const run = await runTimed(c.file, c.args, {
    ...(c.cwd ? { cwd: c.cwd } : {}),
    ...(c.env ? { env: c.env } : {}),
  });
  requests.listen(null);
  // diagnose exits 3 on this scenario (findings); anything else but 0 means the run measured the wrong thing.
  if (run.exitCode !== 0 && run.exitCode !== 3)
    throw new Error(`${c.command} exited with ${run.exitCode}: ${run.stderr.slice(0, 2000)}`);
  const seen = first as { atMs: number; request: string } | null;
  return {
    wallMs: run.wallMs,
    firstRequestMs: seen ? seen.atMs - spawnedAt : null,
    firstRequest: seen?.request ?? null,
    cpuMs: run.cpuMs,
    peakRssBytes: run.peakRssBytes,
    apiRequests: requests.count() - requests0,
    exitCode: run.exitCode,
  };
}

function figuresOf(runs: TimedRun[]): StartupFigures {
  const firsts = runs.map((r) => r.firstRequestMs).filter((x): x is number => x !== null);
  return {
    firstRequestMs: firsts.length === runs.length && firsts.length > 0 ? summarize(firsts) : null,
    wallMs: summarize(runs.map((r) => r.wallMs)),
    cpuMs: summarize(runs.map((r) => r.cpuMs)),
    peakRssBytes: summarize(runs.map((r) => r.peakRssBytes)),
    apiRequests: runs[0]?.apiRequests ?? 0,
    firstRequest: runs[0]?.firstRequest ?? null,
    exitCode: runs[0]?.exitCode ?? null,
  };
}

interface RequestObserver {
  count(): number;
  listen(listener: ((request: string, atMs: number) => void) | null): void;
}

/**
 * Every HTTP request the simulated API server handles passes its fault injector first (handle() in
 * src/sim/apiserver/index.ts calls faults.evaluate before anything else, synchronously), so wrapping that one method
 * of this cluster's injector sees each request the moment the server starts on it, without changing the simulator.
 */
function observeRequests(sim: RunningSimulatedCluster): RequestObserver {
  const faults = sim.apiServer.faults;
  const evaluate = faults.evaluate.bind(faults);
  let listener: ((request: string, atMs: number) => void) | null = null;
  faults.evaluate = (req) => {
    listener?.(`${req.method} ${req.path}`, performance.now());
    return evaluate(req);
  };
  return { count: () => sim.apiServer.requestCount(), listen: (l) => (listener = l) };
}

/**
 * The 'before' build: `git archive REF bin src package.json` into a directory of its own, with this tree's
 * node_modules linked in (the dependencies did not change).
 */
async function extractBaseline(ref: string, work: string): Promise<{ dir: string } | { error: string }> {
  const dir = join(work, "before");
  try {
    await mkdir(dir);
    const tar = execFileSync("git", ["archive", ref, "bin", "src", "package.json"], {
      cwd: REPO,
      maxBuffer: 256 * 1024 * 1024,
    });
    execFileSync("tar", ["-x", "-C", dir], { input: tar });
    await symlink(join(REPO, "node_modules"), join(dir, "node_modules"));
    return { dir };
  } catch (err) {
    return { error: `git archive ${ref} failed: ${(err as Error).message.split("\n")[0]}` };
  }
}

const REPO = new URL("../", import.meta.url).pathname;

async function diagnoseModules(
  node: string,
  kubeconfig: string,
  baselineDir: string | null,
  env: NodeJS.ProcessEnv,
): Promise<StartupBenchResult["modules"]> {
  const args = ["diagnose", "--kubeconfig", kubeconfig];
  const now = await cliLoadedModules(args, { node, env });
  const heavy = (packages: Set<string>) => HEAVY_PACKAGES.filter((p) => packages.has(p));
  const before = baselineDir ? await cliLoadedModules(args, { node, env, cwd: baselineDir }) : null;
  return {
    diagnose: {
      modules: now.urls.length,
      packages: [...now.packages].sort(),
      heavyLoaded: heavy(now.packages),
    },
    ...(before
      ? { diagnoseBefore: { modules: before.urls.length, heavyLoaded: heavy(before.packages) } }
      : {}),
    met: heavy(now.packages).length === 0,
  };
}

/** Rows for bench/run.ts's table: each command's three figures, after and before the lazy registry, and the check. */
export function renderStartupRows(s: StartupBenchResult): string[][] {
  const rows: string[][] = [];
  const mb = (x: Summary) =>
    `${fmtNumber(x.median / 1e6)} MB (${fmtNumber(x.min / 1e6)}–${fmtNumber(x.max / 1e6)})`;
  const figures = (f: StartupFigures) =>
    `first request ${f.firstRequestMs ? fmtMs(f.firstRequestMs) : "none sent"}; wall ${fmtMs(f.wallMs)}; CPU ${fmtMs(f.cpuMs)}; peak RSS ${mb(f.peakRssBytes)}`;
  const kubectl = s.cases.find((c) => c.build === "kubectl");
  const times = (x: number | null) => (x === null ? "n/a" : `${x.toFixed(2)} ×`);
  let first = true;
  for (const current of s.cases.filter((c) => c.build === "current")) {
    const before = s.cases.find((c) => c.build === "before" && c.name === current.name);
    const isDiagnose = current.name === "cni-doctor diagnose --kubeconfig K";
    const versusKubectl =
      isDiagnose && kubectl
        ? `vs kubectl get pods -A (no goal given): first request ${times(s.ratios.firstRequestVsKubectl)}, wall ${times(s.ratios.wallVsKubectl)}, CPU ${times(s.ratios.cpuVsKubectl)}, peak RSS ${times(s.ratios.rssVsKubectl)}`
        : "";
    const versusBefore = before
      ? `after/before (medians): ${afterOverBefore(current.figures, before.figures)}`
      : "";
    rows.push([
      first
        ? `9. Start-up on ${s.scenario} (the demo's cluster: 3 nodes, 2 stuck pods), as child processes`
        : "",
      `\`${current.command}\` (${current.figures.apiRequests} API requests, first ${current.figures.firstRequest ?? "—"})`,
      `now (lazy commands, compile cache warm): ${figures(current.figures)}${before ? `; before (${BEFORE_LAZY_LOAD_REF}): ${figures(before.figures)}` : ""}`,
      [versusKubectl, versusBefore].filter(Boolean).join("; "),
    ]);
    first = false;
  }
  const uncached = s.cases.find((c) => c.build === "no-compile-cache");
  const diagnose = s.cases.find(
    (c) => c.build === "current" && c.name === "cni-doctor diagnose --kubeconfig K",
  );
  if (uncached)
    rows.push([
      "",
      `\`${uncached.command}\` (the CLI's compile cache turned off)`,
      figures(uncached.figures),
      diagnose
        ? `with the cache, warm (row above) / without: ${afterOverBefore(diagnose.figures, uncached.figures)}`
        : "",
    ]);
  if (s.beforeSkipped) rows.push(["", "before lazy-load", `not measured: ${s.beforeSkipped}`, ""]);
  if (kubectl) {
    rows.push([
      "",
      `\`${kubectl.command}\` (${kubectl.figures.apiRequests} API request(s), first ${kubectl.figures.firstRequest ?? "—"})`,
      figures(kubectl.figures),
      "reference: the machine's kubectl, discovery cache warm",
    ]);
  } else {
    rows.push(["", "kubectl get pods -A", `not measured: ${s.kubectlSkipped ?? "absent"}`, ""]);
  }
  const m = s.modules;
  rows.push([
    "",
    "modules `diagnose` loads (read from the loader)",
    `${fmtNumber(m.diagnose.modules)} modules; of ${HEAVY_PACKAGES.join(", ")}: ${m.diagnose.heavyLoaded.join(", ") || "none"}${m.diagnoseBefore ? `; before lazy-load: ${fmtNumber(m.diagnoseBefore.modules)} modules, ${m.diagnoseBefore.heavyLoaded.join(", ") || "none"}` : ""}`,
    `lazy-load: Bolt, MCP SDK, ssh2 not loaded by diagnose: ${m.met ? "met" : "**not met**"}`,
  ]);
  return rows;
}

/** "first request 0.80 ×, wall 0.82 ×, CPU 0.75 ×, peak RSS 0.97 ×": each figure after the change over before it. */
function afterOverBefore(after: StartupFigures, before: StartupFigures): string {
  const over = (a: Summary | null, b: Summary | null, what: string) =>
    a && b ? [`${what} ${(a.median / b.median).toFixed(2)} ×`] : [];
  return [
    ...over(after.firstRequestMs, before.firstRequestMs, "first request"),
    ...over(after.wallMs, before.wallMs, "wall"),
    ...over(after.cpuMs, before.cpuMs, "CPU"),
    ...over(after.peakRssBytes, before.peakRssBytes, "peak RSS"),
  ].join(", ");
}
