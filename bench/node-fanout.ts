/**
 * Benchmark 3: node inspection fan-out over SSH. The simulated cluster serves 200 worker nodes over SSH (parent);
 * the product's inspectNode runs in a child over NodeAccess at several concurrencies, against the ideal of
 * ceil(n / c) × the single-node time.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { startSimulatedCluster } from "../src/sim/index.ts";
import { runTimed } from "./lib/process.ts";
import { type Summary, summarize } from "./lib/stats.ts";

export interface FanoutResult {
  nodes: number;
  singleNodeMs: Summary;
  levels: {
    concurrency: number;
    wallMs: Summary;
    idealMs: number;
    efficiency: number;
    /** CPU per node: the product's SSH client (child) and the simulated nodes' SSH servers (parent). */
    clientCpuMsPerNode: number;
    serverCpuMsPerNode: number;
    /** The CPU floor on this machine: (client + server CPU) / cores. */
    cpuBoundMs: number;
  }[];
  cores: number;
  inspected: number;
  errors: number;
}

export async function benchNodeFanout(options: {
  nodes: number;
  concurrencies: number[];
  repeats: number;
  node: string;
  log: (line: string) => void;
}): Promise<FanoutResult> {
  const work = await mkdtemp(join(tmpdir(), "cni-doctor-bench-ssh-"));
  // Every worker affected (expired token), as in the incident: inspection has something to find on each node.
  const sim = await startSimulatedCluster({
    scenario: `large:nodes=${options.nodes + 1},pods=${options.nodes},affected=1`,
    port: 0,
    sshNodes: true,
  });
  try {
    const kubeconfig = join(work, "kubeconfig");
    await writeFile(kubeconfig, sim.kubeconfig(), { mode: 0o600 });
    const files = await sim.writeNodesOut(join(work, "nodes.yaml"), {
      connectRetries: 0,
      concurrency: Math.max(...options.concurrencies),
    });
    // The parent is the simulated nodes (and the API server): its CPU between the child's marks is the server side.
    let serverCpuStart: NodeJS.CpuUsage | undefined;
    const serverCpuMs = new Map<number, number[]>();
    const run = await runTimed(
      options.node,
      [
        "bench/fanout-child.ts",
        kubeconfig,
        files.nodesFile,
        String(options.nodes),
        options.concurrencies.join(","),
        String(options.repeats),
        "20",
      ],
      {
        captureStdout: true,
        timeoutMs: 240_000,
        onStdoutLine: (line) => {
          if (!line.startsWith('{"mark"')) return;
          const mark = JSON.parse(line) as { mark: "start" | "end"; c: number };
          if (mark.mark === "start") serverCpuStart = process.cpuUsage();
          else if (serverCpuStart) {
            const used = process.cpuUsage(serverCpuStart);
            const list = serverCpuMs.get(mark.c) ?? [];
            list.push((used.user + used.system) / 1000);
            serverCpuMs.set(mark.c, list);
          }
        },
      },
    );
    if (run.exitCode !== 0)
      throw new Error(`fan-out child exited with ${run.exitCode}: ${run.stderr.slice(0, 2000)}`);
    const out = JSON.parse(run.stdout.trim().split("\n").at(-1) ?? "") as {
      clientCpuMs: Record<string, number[]>;
      singleMs: number[];
      byConcurrency: Record<string, number[]>;
      nodes: number;
      inspected: number;
      errors: number;
    };
    const single = summarize(out.singleMs);
    const cores = availableParallelism();
    const levels = options.concurrencies.map((c) => {
      const wallMs = summarize(out.byConcurrency[String(c)] ?? []);
      const idealMs = Math.ceil(out.nodes / c) * single.median;
      const clientCpu = summarize(out.clientCpuMs[String(c)] ?? [0]).median;
      const serverCpu = summarize(serverCpuMs.get(c) ?? [0]).median;
      return {
        concurrency: c,
        wallMs,
        idealMs,
        efficiency: idealMs / wallMs.median,
        clientCpuMsPerNode: clientCpu / out.nodes,
        serverCpuMsPerNode: serverCpu / out.nodes,
        cpuBoundMs: (clientCpu + serverCpu) / cores,
      };
    });
    for (const l of levels)
      options.log(
        `  c=${l.concurrency}: ${Math.round(l.wallMs.median)} ms (ideal ${Math.round(l.idealMs)} ms)`,
      );
    return {
      nodes: out.nodes,
      singleNodeMs: single,
      levels,
      cores,
      inspected: out.inspected,
      errors: out.errors,
    };
  } finally {
    await sim.stop();
    await rm(work, { recursive: true, force: true });
  }
}
