/**
 * Benchmark 2: `cni-doctor diagnose --json` on the generated `large` cluster, as a child process (so its peak RSS
 * is the product's), beside the floor (bench/floor-lists.ts: the same client listing only what diagnosis needs) and
 * the by-hand runbook (the incident reports' kubectl commands), all against the same simulated API server.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startSimulatedCluster } from "../src/sim/index.ts";
import { type ProcessRun, runTimed } from "./lib/process.ts";
import { type Summary, summarize } from "./lib/stats.ts";

export const LARGE_SCENARIO = "large:nodes=1000,pods=30000,affected=0.05,startEvents=1";

export const RUNBOOK_COMMANDS: string[][] = [
  ["get", "pods", "-A"],
  ["get", "events", "-A"],
  ["get", "pods", "-n", "calico-system", "-o", "wide"],
];

export const GOALS = { vsFloor: 1.5, vsRunbook: 0.5, peakRssBytes: 300_000_000 };

export interface DiagnosisBenchResult {
  scenario: string;
  cluster: { nodes: number; pods: number; events: number; startMs: number };
  diagnosis: {
    wallMs: Summary;
    peakRssBytes: Summary;
    apiRequests: Summary;
    bytesReceived: Summary;
    exitCode: number | null;
    checked: unknown;
    findings: { family: string; rootCause: string; nodes: number; pods: number }[];
  };
  floor: {
    wallMs: Summary;
    listMs: Summary;
    peakRssBytes: Summary;
    apiRequests: Summary;
    bytesReceived: Summary;
    items: unknown;
    definition: string;
  };
  runbook: {
    totalMs: Summary;
    commands: {
      command: string;
      wallMs: Summary;
      apiRequests: number;
      bytesReceived: number;
      stdoutBytes: number;
    }[];
  } | null;
  runbookSkipped?: string;
  ratios: { vsFloor: number; vsRunbook: number | null };
  goals: { vsFloor: boolean; vsRunbook: boolean | null; peakRss: boolean };
  cpuProfileDir?: string;
}

export interface DiagnosisBenchOptions {
  runs: number;
  runbookRuns: number;
  kubectl: string | null;
  node: string;
  /** Write V8 CPU profiles of the diagnosis runs here. */
  cpuProfileDir?: string;
  log: (line: string) => void;
}

export async function benchDiagnosisLarge(options: DiagnosisBenchOptions): Promise<DiagnosisBenchResult> {
  const { log } = options;
  const work = await mkdtemp(join(tmpdir(), "cni-doctor-bench-"));
  const startedSim = performance.now();
  const sim = await startSimulatedCluster({ scenario: LARGE_SCENARIO, port: 0, sshNodes: false });
  const startMs = performance.now() - startedSim;
  try {
    const kubeconfig = join(work, "kubeconfig");
    await writeFile(kubeconfig, sim.kubeconfig(), { mode: 0o600 });
    const cluster = {
      nodes: sim.store.list("nodes").length,
      pods: sim.store.list("pods").length,
      events: sim.store.list("events").length,
      startMs,
    };
    log(
      `  large cluster up in ${Math.round(startMs)} ms: ${cluster.nodes} nodes, ${cluster.pods} pods, ${cluster.events} events`,
    );
    // Counters of the simulated API server around one child process: everything it asked and received.
    const counted = async (run: () => Promise<ProcessRun>) => {
      const requests0 = sim.apiServer.requestCount();
      const bytes0 = sim.apiServer.bytesSent();
      const result = await run();
      return {
        ...result,
        apiRequests: sim.apiServer.requestCount() - requests0,
        bytesReceived: sim.apiServer.bytesSent() - bytes0,
      };
    };
    const childEnv = { ...process.env, NO_COLOR: "1" };
    const diagnose = (profile: boolean) =>
      counted(() =>
        runTimed(
          options.node,
          [
            ...(profile && options.cpuProfileDir
              ? ["--cpu-prof", "--cpu-prof-dir", options.cpuProfileDir]
              : []),
            "bin/cni-doctor.js",
            "diagnose",
            "--kubeconfig",
            kubeconfig,
            "--json",
          ],
          { env: childEnv, captureStdout: true },
        ),
      );
    const floor = () =>
      counted(() =>
        runTimed(options.node, ["bench/floor-lists.ts", kubeconfig], { env: childEnv, captureStdout: true }),
      );
    const kubectlCacheDir = join(work, "kube-cache");
    const kubectl = (args: string[]) =>
      counted(() =>
        runTimed(
          options.kubectl as string,
          ["--kubeconfig", kubeconfig, "--cache-dir", kubectlCacheDir, ...args],
          {
            env: { ...childEnv, HOME: work },
          },
        ),
      );

    // Warm-up: the OS page cache for node_modules, the simulator's JIT, kubectl's discovery cache.
    log("  warm-up");
    await floor();
    const first = await diagnose(false);
    if (first.exitCode !== 3 && first.exitCode !== 0) {
      throw new Error(`diagnose exited with ${first.exitCode}: ${first.stderr.slice(0, 2000)}`);
    }
    const diagnosisJson = JSON.parse(first.stdout) as {
      checked: unknown;
      findings: { family: string; rootCause: string; nodes: unknown[]; pods?: unknown[] }[];
    };

    const diagnosisRuns: (ProcessRun & { apiRequests: number; bytesReceived: number })[] = [];
    const floorRuns: (ProcessRun & { apiRequests: number; bytesReceived: number; listMs: number })[] = [];
    let floorItems: unknown;
    for (let i = 0; i < options.runs; i++) {
      // Interleaved, so a slow spell of the machine touches both sides.
      const f = await floor();
      if (f.exitCode !== 0)
        throw new Error(`floor lists exited with ${f.exitCode}: ${f.stderr.slice(0, 2000)}`);
      const parsed = JSON.parse(f.stdout) as { listMs: number; items: unknown };
      floorItems = parsed.items;
      floorRuns.push({ ...f, listMs: parsed.listMs });
      const d = await diagnose(i === 0);
      diagnosisRuns.push(d);
      log(
        `  run ${i + 1}/${options.runs}: diagnose ${Math.round(d.wallMs)} ms, floor ${Math.round(f.wallMs)} ms`,
      );
    }

    let runbook: DiagnosisBenchResult["runbook"] = null;
    let runbookSkipped: string | undefined;
    if (options.kubectl) {
      // Warm-up: kubectl's discovery cache, as an operator's kubectl has it. (The runbook itself is not repeated as a
      // warm-up: its time is mostly kubectl's own client-side throttling, steady from run to run.)
      await kubectl(["get", "namespaces"]);
      const perCommand = RUNBOOK_COMMANDS.map(() => [] as Awaited<ReturnType<typeof kubectl>>[]);
      const totals: number[] = [];
      for (let i = 0; i < options.runbookRuns; i++) {
        let total = 0;
        for (const [k, args] of RUNBOOK_COMMANDS.entries()) {
          const r = await kubectl(args);
          if (r.exitCode !== 0)
            throw new Error(`kubectl ${args.join(" ")} exited with ${r.exitCode}: ${r.stderr}`);
          perCommand[k]?.push(r);
          total += r.wallMs;
        }
        totals.push(total);
        log(`  runbook ${i + 1}/${options.runbookRuns}: ${Math.round(total)} ms`);
      }
      runbook = {
        totalMs: summarize(totals),
        commands: RUNBOOK_COMMANDS.map((args, k) => {
          const runs = perCommand[k] ?? [];
          return {
            command: `kubectl ${args.join(" ")}`,
            wallMs: summarize(runs.map((r) => r.wallMs)),
            apiRequests: runs[0]?.apiRequests ?? 0,
            bytesReceived: runs[0]?.bytesReceived ?? 0,
            stdoutBytes: runs[0]?.stdoutBytes ?? 0,
          };
        }),
      };
    } else {
      runbookSkipped = "kubectl not found on PATH";
    }

    const diagnosisWall = summarize(diagnosisRuns.map((r) => r.wallMs));
    const floorWall = summarize(floorRuns.map((r) => r.wallMs));
    const peak = summarize(diagnosisRuns.map((r) => r.peakRssBytes));
    const vsFloor = diagnosisWall.median / floorWall.median;
    const vsRunbook = runbook ? diagnosisWall.median / runbook.totalMs.median : null;
    return {
      scenario: LARGE_SCENARIO,
      cluster,
      diagnosis: {
        wallMs: diagnosisWall,
        peakRssBytes: peak,
        apiRequests: summarize(diagnosisRuns.map((r) => r.apiRequests)),
        bytesReceived: summarize(diagnosisRuns.map((r) => r.bytesReceived)),
        exitCode: first.exitCode,
        checked: diagnosisJson.checked,
        findings: diagnosisJson.findings.map((f) => ({
          family: f.family,
          rootCause: f.rootCause,
          nodes: f.nodes.length,
          pods: f.pods?.length ?? 0,
        })),
      },
      floor: {
        wallMs: floorWall,
        listMs: summarize(floorRuns.map((r) => r.listMs)),
        peakRssBytes: summarize(floorRuns.map((r) => r.peakRssBytes)),
        apiRequests: summarize(floorRuns.map((r) => r.apiRequests)),
        bytesReceived: summarize(floorRuns.map((r) => r.bytesReceived)),
        items: floorItems,
        definition:
          "bench/floor-lists.ts as a process, same client (createClusterReader, page size 500): events ×3 (fieldSelector involvedObject.kind=Pod,reason=FailedCreatePodSandBox|FailedKillPod|NetworkNotReady), pods status.phase=Pending, nodes, daemonsets, calico-system pods -l k8s-app=calico-node; all at once",
      },
      runbook,
      ...(runbookSkipped ? { runbookSkipped } : {}),
      ratios: { vsFloor, vsRunbook },
      goals: {
        vsFloor: vsFloor <= GOALS.vsFloor,
        vsRunbook: vsRunbook === null ? null : vsRunbook <= GOALS.vsRunbook,
        peakRss: peak.max <= GOALS.peakRssBytes,
      },
      ...(options.cpuProfileDir ? { cpuProfileDir: options.cpuProfileDir } : {}),
    };
  } finally {
    await sim.stop();
    await rm(work, { recursive: true, force: true });
  }
}
