/**
 * Benchmark 3: node inspection fan-out over both node-access transports, on one simulated cluster of 200 affected
 * worker nodes. SSH: the simulated nodes' SSH servers (parent), the product's inspectNode over NodeAccess in a child
 * (fanout-child.ts). Kubernetes: agent pods created, exec'd into and deleted through the simulated API server
 * (parent), the same inspectNode over the product's agent-pod access in a child (fanout-k8s-child.ts). Each level is
 * compared with the ideal of ceil(n / c) × the single-node time; the Kubernetes single node is broken into phases.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { CoreV1Api } from "@kubernetes/client-node";
import { loadCluster } from "../src/kube/cluster-config.ts";
import { type RunningSimulatedCluster, startSimulatedCluster } from "../src/sim/index.ts";
import { runTimed } from "./lib/process.ts";
import { type Summary, summarize } from "./lib/stats.ts";

export interface FanoutLevel {
  concurrency: number;
  wallMs: Summary;
  idealMs: number;
  efficiency: number;
  /** CPU per node: the product's client (child) and the simulated side (parent: SSH servers, or API server + exec). */
  clientCpuMsPerNode: number;
  serverCpuMsPerNode: number;
  /** The CPU floor on this machine: (client + server CPU) / cores. */
  cpuBoundMs: number;
}

/** Where one node's time goes over the Kubernetes transport (medians of the single-node runs and probes). */
export interface AgentPodPhases {
  /** NodeAgentPods.start as the product calls it: create + wait until Running (polled). */
  startMs: Summary;
  /** The create request alone (probe). */
  createMs: Summary;
  /** Create answered → the simulated kubelet reports Running (probe, watched: the sim's kubelet, not a real one). */
  kubeletRunningMs: Summary;
  /** One read of the pod: what each poll costs (probe). */
  readMs: Summary;
  /** The product's poll interval while waiting for Running. */
  pollIntervalMs: number;
  /** Exec streams per node and each one's round trip (WebSocket + TLS handshake, command, status). */
  execsPerNode: number;
  execMs: Summary;
  execsByProgram: Record<string, number>;
  /** The delete request (in close, after the inspection returned). */
  removeMs: Summary;
  /** API requests per node (exec upgrades included), counted by the simulated API server. */
  apiRequestsPerNode: number;
  /** TCP connections (each with its TLS handshake) the product opened per node, API calls and exec streams. */
  connectionsPerNode: number;
  /** Time from the inspection's end to every pod deleted (close). */
  closeMs: Summary;
}

export interface TransportFanout {
  singleNodeMs: Summary;
  levels: FanoutLevel[];
  inspected: number;
  errors: number;
}

export interface FanoutResult {
  nodes: number;
  /** SSH (kept at the top level, as before the Kubernetes transport was measured beside it). */
  singleNodeMs: Summary;
  levels: FanoutLevel[];
  cores: number;
  inspected: number;
  errors: number;
  /**
   * known_hosts over SSH (issue 17, item 5: read once per change, not once per connection): over every fan-out at
   * the highest concurrency, how many times a connection asked for it and how many times the file was read.
   */
  knownHosts?: { concurrency: number; fanouts: number; loads: number; reads: number };
  kubernetes?: TransportFanout & { phases: AgentPodPhases };
}

interface ChildKnownHosts {
  loads: number;
  reads: number;
  fanouts: number;
}

interface ChildOutput {
  clientCpuMs: Record<string, number[]>;
  singleMs: number[];
  byConcurrency: Record<string, number[]>;
  nodes: number;
  inspected: number;
  errors: number;
}

/** The parent's CPU (the simulated side) and API requests between the child's start and end marks, by concurrency. */
function serverMeter(sim: RunningSimulatedCluster) {
  let cpuStart: NodeJS.CpuUsage | undefined;
  let requestsStart = 0;
  const cpuMs = new Map<number, number[]>();
  const requests = new Map<number, number[]>();
  const push = (into: Map<number, number[]>, c: number, v: number) =>
    into.set(c, [...(into.get(c) ?? []), v]);
  return {
    cpuMs,
    requests,
    onStdoutLine(line: string) {
      if (!line.startsWith('{"mark"')) return;
      const mark = JSON.parse(line) as { mark: "start" | "end"; c: number };
      if (mark.mark === "start") {
        cpuStart = process.cpuUsage();
        requestsStart = sim.apiServer.requestCount();
      } else if (cpuStart) {
        const used = process.cpuUsage(cpuStart);
        push(cpuMs, mark.c, (used.user + used.system) / 1000);
        push(requests, mark.c, sim.apiServer.requestCount() - requestsStart);
      }
    },
  };
}

async function runChild<T extends ChildOutput>(
  node: string,
  args: string[],
  meter: ReturnType<typeof serverMeter>,
): Promise<T> {
  const run = await runTimed(node, args, {
    captureStdout: true,
    timeoutMs: 900_000,
    onStdoutLine: (line) => meter.onStdoutLine(line),
  });
  if (run.exitCode !== 0)
    throw new Error(`${args[0]} exited with ${run.exitCode}: ${run.stderr.slice(0, 2000)}`);
  return JSON.parse(run.stdout.trim().split("\n").at(-1) ?? "") as T;
}

function levelsOf(out: ChildOutput, concurrencies: number[], serverCpuMs: Map<number, number[]>) {
  const single = summarize(out.singleMs);
  const cores = availableParallelism();
  return concurrencies.map((c): FanoutLevel => {
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
    const common = [String(options.nodes), options.concurrencies.join(","), String(options.repeats), "20"];
    options.log("  SSH");
    const sshMeter = serverMeter(sim);
    const ssh = await runChild(
      options.node,
      ["bench/fanout-child.ts", kubeconfig, files.nodesFile, ...common],
      sshMeter,
    );
    const levels = levelsOf(ssh, options.concurrencies, sshMeter.cpuMs);
    for (const l of levels)
      options.log(
        `  c=${l.concurrency}: ${Math.round(l.wallMs.median)} ms (ideal ${Math.round(l.idealMs)} ms)`,
      );
    options.log("  Kubernetes (agent pods + pods/exec)");
    const kubernetes = await benchAgentPodFanout(sim, kubeconfig, common, options);
    const highest = Math.max(...options.concurrencies);
    const knownHosts = (ssh as ChildOutput & { knownHosts?: Record<string, ChildKnownHosts> }).knownHosts?.[
      String(highest)
    ];
    return {
      ...(knownHosts ? { knownHosts: { concurrency: highest, ...knownHosts } } : {}),
      nodes: ssh.nodes,
      singleNodeMs: summarize(ssh.singleMs),
      levels,
      cores: availableParallelism(),
      inspected: ssh.inspected,
      errors: ssh.errors,
      kubernetes,
    };
  } finally {
    await sim.stop();
    await rm(work, { recursive: true, force: true });
  }
}

interface AgentChildOutput extends ChildOutput {
  singleCloseMs: number[];
  singleLogs: {
    startMs: number[];
    execMs: number[];
    removeMs: number[];
    execsByTemplate: Record<string, number>;
  }[];
  singleConnections: number[];
  probes: { createMs: number; kubeletRunningMs: number; readMs: number; deleteMs: number }[];
}

/** NodeAgentPods' poll interval while an agent pod starts (the settings set none, so its default). */
const AGENT_POLL_INTERVAL_MS = 250;

async function benchAgentPodFanout(
  sim: RunningSimulatedCluster,
  kubeconfig: string,
  common: string[],
  options: { concurrencies: number[]; node: string; log: (line: string) => void },
): Promise<TransportFanout & { phases: AgentPodPhases }> {
  // The namespace as manifests/namespace.yaml makes it: the only one agent pods go to, privileged for Pod Security.
  const core = loadCluster({ kubeconfigPath: kubeconfig }).kubeConfig.makeApiClient(CoreV1Api);
  await core.createNamespace({
    body: {
      metadata: { name: "cni-doctor-nodes", labels: { "pod-security.kubernetes.io/enforce": "privileged" } },
    },
  });
  const meter = serverMeter(sim);
  const out = await runChild<AgentChildOutput>(
    options.node,
    ["bench/fanout-k8s-child.ts", kubeconfig, ...common],
    meter,
  );
  const levels = levelsOf(out, options.concurrencies, meter.cpuMs);
  for (const l of levels)
    options.log(
      `  c=${l.concurrency}: ${Math.round(l.wallMs.median)} ms (ideal ${Math.round(l.idealMs)} ms)`,
    );
  const logs = out.singleLogs;
  const execsByProgram: Record<string, number> = {};
  for (const log of logs)
    for (const [program, n] of Object.entries(log.execsByTemplate))
      execsByProgram[program] = (execsByProgram[program] ?? 0) + n / logs.length;
  const phases: AgentPodPhases = {
    startMs: summarize(logs.flatMap((l) => l.startMs)),
    createMs: summarize(out.probes.map((p) => p.createMs)),
    kubeletRunningMs: summarize(out.probes.map((p) => p.kubeletRunningMs)),
    readMs: summarize(out.probes.map((p) => p.readMs)),
    pollIntervalMs: AGENT_POLL_INTERVAL_MS,
    execsPerNode: logs.reduce((n, l) => n + l.execMs.length, 0) / logs.length,
    execMs: summarize(logs.flatMap((l) => l.execMs)),
    execsByProgram,
    removeMs: summarize(logs.flatMap((l) => l.removeMs)),
    apiRequestsPerNode: summarize(meter.requests.get(0) ?? [0]).median,
    connectionsPerNode: summarize(out.singleConnections).median,
    closeMs: summarize(out.singleCloseMs),
  };
  return {
    singleNodeMs: summarize(out.singleMs),
    levels,
    inspected: out.inspected,
    errors: out.errors,
    phases,
  };
}
