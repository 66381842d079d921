/**
 * Benchmark 3's client side, run as its own process so the simulated nodes' SSH servers (in the parent) and the
 * product's SSH client do not share one event loop: inspects nodes with the product's inspectNode over NodeAccess.
 *
 * Usage: node bench/fanout-child.ts KUBECONFIG NODES_FILE NODE_COUNT CONCURRENCIES(csv) REPEATS SINGLE_RUNS
 * Prints {"singleMs":[…], "byConcurrency":{"8":[ms,…],…}, "knownHosts":{"8":{loads,reads,fanouts}}, "inspected":n,
 * "errors":n}.
 */
import { loadInventory, NodeAccess } from "../src/nodes/index.ts";
import { knownHostsCache } from "../src/nodes/known-hosts-file.ts";
import { inspectNodesTimed, openFanoutCluster, type Tally } from "./lib/inspect-nodes.ts";

const [kubeconfigPath, nodesFile, countArg, concurrencyArg, repeatsArg, singleArg] = process.argv.slice(2);
if (!kubeconfigPath || !nodesFile || !countArg || !concurrencyArg) {
  process.stderr.write(
    "usage: node bench/fanout-child.ts KUBECONFIG NODES_FILE N C1,C2,… REPEATS SINGLE_RUNS\n",
  );
  process.exit(2);
}
const inventory = await loadInventory(nodesFile);
const fanout = await openFanoutCluster(kubeconfigPath, Number(countArg));
const { workers } = fanout;
const tally: Tally = { inspected: 0, errors: 0 };

/** Inspects `nodes` with a fresh NodeAccess (so each node's connection setup is part of the time). */
async function inspectAll(nodes: string[], concurrency: number): Promise<{ ms: number; cpuMs: number }> {
  const access = new NodeAccess(inventory, { env: process.env, concurrency });
  const timed = await inspectNodesTimed(access, fanout, nodes, concurrency, tally);
  await access.close();
  return timed;
}

// Warm-up: JIT, the TLS session to the API server, the key parsing paths.
await inspectAll(workers.slice(-4), 2);
const singleMs: number[] = [];
for (let i = 0; i < Number(singleArg ?? 10); i++) {
  singleMs.push((await inspectAll([workers[(i * 7) % workers.length] as string], 1)).ms);
}
const byConcurrency: Record<string, number[]> = {};
const clientCpuMs: Record<string, number[]> = {};
/** known_hosts loads (one per connection) and actual reads of the file, over each concurrency's fan-outs. */
const knownHosts: Record<string, { loads: number; reads: number; fanouts: number }> = {};
for (const c of concurrencyArg.split(",").map(Number)) {
  const runs: number[] = [];
  const cpu: number[] = [];
  // Concurrency 1 is n × the single-node time by construction and the slowest run: measure it once.
  const repeats = c === 1 ? 1 : Number(repeatsArg ?? 3);
  const before = { ...knownHostsCache.counts };
  for (let r = 0; r < repeats; r++) {
    // Marks for the parent, which measures the simulated nodes' CPU over the same span.
    process.stdout.write(`${JSON.stringify({ mark: "start", c })}\n`);
    const run = await inspectAll(workers, c);
    process.stdout.write(`${JSON.stringify({ mark: "end", c })}\n`);
    runs.push(run.ms);
    cpu.push(run.cpuMs);
  }
  byConcurrency[String(c)] = runs;
  clientCpuMs[String(c)] = cpu;
  knownHosts[String(c)] = {
    loads: knownHostsCache.counts.loads - before.loads,
    reads: knownHostsCache.counts.reads - before.reads,
    fanouts: repeats,
  };
}
process.stdout.write(
  `${JSON.stringify({ singleMs, byConcurrency, clientCpuMs, knownHosts, nodes: workers.length, ...tally })}\n`,
);
