/**
 * Benchmark 3's Kubernetes-transport client, run as its own process (like fanout-child.ts for SSH) so the simulated
 * API server, kubelets and exec (in the parent) do not share an event loop with the product: inspects nodes with the
 * product's inspectNode over the node access `openNodeAccess` builds for `--node-access kubernetes` (agent pods with
 * read-only mounts, reached through pods/exec), with the settings' defaults.
 *
 * The agent backend is wrapped only to time what the product asks of it (start = create + wait Running, each exec,
 * remove); a probe beside it splits start into the create request and the time the simulated kubelet takes to report
 * the pod Running, watched instead of polled so it is the kubelet's time and not the product's poll interval.
 *
 * Usage: node bench/fanout-k8s-child.ts KUBECONFIG NODE_COUNT CONCURRENCIES(csv) REPEATS SINGLE_RUNS
 * Prints marks ({"mark":"start"|"end","c":n}) for the parent, then one JSON line of results.
 */
import diagnostics from "node:diagnostics_channel";
import { CoreV1Api, Watch } from "@kubernetes/client-node";
import { loadConfig } from "../src/config.ts";
import { agentPodManifest } from "../src/kube/node-agent-pods.ts";
import {
  agentPodTransport,
  type NodeAgentAdmin,
  type NodeWriter,
  openNodeAccess,
} from "../src/nodes/index.ts";
import { inspectNodesTimed, openFanoutCluster, type Tally } from "./lib/inspect-nodes.ts";

const [kubeconfigPath, countArg, concurrencyArg, repeatsArg, singleArg] = process.argv.slice(2);
if (!kubeconfigPath || !countArg || !concurrencyArg) {
  process.stderr.write("usage: node bench/fanout-k8s-child.ts KUBECONFIG N C1,C2,… REPEATS SINGLE_RUNS\n");
  process.exit(2);
}
const config = loadConfig({});
const fanout = await openFanoutCluster(kubeconfigPath, Number(countArg));
const { loaded: cluster, nodeObjects, workers } = fanout;
const tally: Tally = { inspected: 0, errors: 0 };
// TCP connections this process opens (each a TLS handshake with the API server: API calls and exec streams alike).
let connectionsOpened = 0;
diagnostics.subscribe("net.client.socket", () => connectionsOpened++);

/** What one inspection asked of the agent backend, with how long each call took. */
interface PhaseLog {
  startMs: number[];
  execMs: number[];
  removeMs: number[];
  execsByTemplate: Record<string, number>;
}

/** The product's agent backend, timed: every call goes through unchanged. */
function timed(agents: NodeAgentAdmin, log: PhaseLog): NodeAgentAdmin {
  const time = async <T>(into: number[], call: () => Promise<T>): Promise<T> => {
    const t0 = performance.now();
    try {
      return await call();
    } finally {
      into.push(performance.now() - t0);
    }
  };
  return {
    get namespace() {
      return agents.namespace;
    },
    start: (request) => time(log.startMs, () => agents.start(request)),
    exec: (pod, argv, options) => {
      const program = argv[0] ?? "?";
      log.execsByTemplate[program] = (log.execsByTemplate[program] ?? 0) + 1;
      return time(log.execMs, () => agents.exec(pod, argv, options));
    },
    remove: (pod) => time(log.removeMs, () => agents.remove(pod)),
    sweep: () => agents.sweep(),
    namespaceExists: () => agents.namespaceExists(),
  };
}

async function openAccess(concurrency: number, log: PhaseLog): Promise<NodeWriter> {
  const transport = agentPodTransport({
    kubeConfig: cluster.kubeConfig,
    agent: config.nodeAgent,
    requestTimeoutMs: config.kubeRequestTimeoutMs,
    listNodes: async () => nodeObjects,
    backupRoot: config.remediation.backupRoot,
    concurrency,
  });
  const access = await openNodeAccess({
    choice: "kubernetes",
    nodesFile: undefined,
    mode: "read",
    env: process.env,
    kubernetes: { ...transport, agents: timed(transport.agents, log) },
  });
  if (access === undefined) throw new Error("openNodeAccess gave no kubernetes node access");
  return access;
}

const emptyLog = (): PhaseLog => ({ startMs: [], execMs: [], removeMs: [], execsByTemplate: {} });

/**
 * Inspects `nodes` with a fresh node access (so each node's agent pod start is part of the time). `ms` is until the
 * last inspection returned, as for SSH; `closeMs` is the close that deletes the pods still lingering after that.
 */
async function inspectAll(
  nodes: string[],
  concurrency: number,
  log: PhaseLog = emptyLog(),
): Promise<{ ms: number; closeMs: number; cpuMs: number; log: PhaseLog }> {
  const access = await openAccess(concurrency, log);
  const { ms, cpuMs } = await inspectNodesTimed(access, fanout, nodes, concurrency, tally);
  const closing = performance.now();
  await access.close();
  return { ms, closeMs: performance.now() - closing, cpuMs, log };
}

/**
 * One agent pod by hand, with the product's manifest: the create request's round trip, when the simulated kubelet
 * reports it Running (a watch from the create's resourceVersion, so no poll interval is in it), one read (what each
 * of the product's polls costs) and the delete request.
 */
async function probeAgentPodPhases(node: string): Promise<{
  createMs: number;
  kubeletRunningMs: number;
  readMs: number;
  deleteMs: number;
}> {
  const core = cluster.kubeConfig.makeApiClient(CoreV1Api);
  const agent = config.nodeAgent;
  const settings = { ...agent, requestTimeoutMs: config.kubeRequestTimeoutMs };
  const name = `cni-doctor-probe-${Math.random().toString(16).slice(2, 10)}`;
  const body = agentPodManifest(
    { node, mode: "read", cniConfDir: "/etc/cni/net.d", backupRoot: config.remediation.backupRoot },
    settings,
    "cni-doctor-bench-probe",
    name,
  );
  const t0 = performance.now();
  const created = await core.createNamespacedPod({ namespace: agent.namespace, body });
  const createMs = performance.now() - t0;
  const running = new Promise<number>((resolve, reject) => {
    let request: { abort(): void } | undefined;
    void new Watch(cluster.kubeConfig)
      .watch(
        `/api/v1/namespaces/${agent.namespace}/pods`,
        { fieldSelector: `metadata.name=${name}`, resourceVersion: created.metadata?.resourceVersion },
        (_type, pod: { status?: { phase?: string } }) => {
          if (pod.status?.phase === "Running") {
            resolve(performance.now() - t0);
            request?.abort();
          }
        },
        (err) => (err ? reject(err) : undefined),
      )
      .then((r) => {
        request = r;
      }, reject);
  });
  const kubeletRunningMs = (await running) - createMs;
  const r0 = performance.now();
  await core.readNamespacedPod({ namespace: agent.namespace, name });
  const readMs = performance.now() - r0;
  const d0 = performance.now();
  await core.deleteNamespacedPod({ namespace: agent.namespace, name, gracePeriodSeconds: 0 });
  return { createMs, kubeletRunningMs, readMs, deleteMs: performance.now() - d0 };
}

// Warm-up: JIT, the TLS session to the API server, the exec paths.
await inspectAll(workers.slice(-4), 2);
const singleMs: number[] = [];
const singleCloseMs: number[] = [];
const singleLogs: PhaseLog[] = [];
const singleConnections: number[] = [];
for (let i = 0; i < Number(singleArg ?? 10); i++) {
  const node = workers[(i * 7) % workers.length] as string;
  process.stdout.write(`${JSON.stringify({ mark: "start", c: 0 })}\n`);
  const connections0 = connectionsOpened;
  const run = await inspectAll([node], 1);
  singleConnections.push(connectionsOpened - connections0);
  process.stdout.write(`${JSON.stringify({ mark: "end", c: 0 })}\n`);
  singleMs.push(run.ms);
  singleCloseMs.push(run.closeMs);
  singleLogs.push(run.log);
}
const probes = [];
for (let i = 0; i < Number(singleArg ?? 10); i++)
  probes.push(await probeAgentPodPhases(workers[(i * 11) % workers.length] as string));

const byConcurrency: Record<string, number[]> = {};
const closeMs: Record<string, number[]> = {};
const clientCpuMs: Record<string, number[]> = {};
for (const c of concurrencyArg.split(",").map(Number)) {
  const runs: number[] = [];
  const closes: number[] = [];
  const cpu: number[] = [];
  // Concurrency 1 is n × the single-node time by construction and the slowest run: measure it once.
  const repeats = c === 1 ? 1 : Number(repeatsArg ?? 3);
  for (let r = 0; r < repeats; r++) {
    process.stdout.write(`${JSON.stringify({ mark: "start", c })}\n`);
    const run = await inspectAll(workers, c);
    process.stdout.write(`${JSON.stringify({ mark: "end", c })}\n`);
    runs.push(run.ms);
    closes.push(run.closeMs);
    cpu.push(run.cpuMs);
  }
  byConcurrency[String(c)] = runs;
  closeMs[String(c)] = closes;
  clientCpuMs[String(c)] = cpu;
}
process.stdout.write(
  `${JSON.stringify({
    singleMs,
    singleCloseMs,
    singleLogs,
    singleConnections,
    probes,
    byConcurrency,
    closeMs,
    clientCpuMs,
    nodes: workers.length,
    inspected: tally.inspected,
    errors: tally.errors,
  })}\n`,
);
