/**
 * A simulated cluster with SSH nodes and the bot's namespace applied (as its manifests would), plus a
 * RemediationService wired to it exactly as the CLI wires one: client-node over HTTPS, ssh2 to the nodes.
 */

import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { Writable } from "node:stream";
import { CoreV1Api } from "@kubernetes/client-node";
import { loadConfig, type RemediationPolicy } from "../../src/config.ts";
import type { Diagnosis } from "../../src/diagnosis/index.ts";
import { diagnoseCluster } from "../../src/diagnosis/index.ts";
import { loadCluster } from "../../src/kube/cluster-config.ts";
import { createClusterReader } from "../../src/kube/reader.ts";
import { createPodWatcher } from "../../src/kube/wait.ts";
import { createClusterWriter } from "../../src/kube/writer.ts";
import { loadInventory, NodeAccess, type NodeReader } from "../../src/nodes/index.ts";
import { createAuditLogger, RemediationService, type RunEvent } from "../../src/remediation/index.ts";
import { loadScenario, type RunningSimulatedCluster, startSimulatedCluster } from "../../src/sim/index.ts";
import { type NodeSshServers, startNodeSshServers, writeNodesOut } from "../../src/sim/ssh/index.ts";

export const BOT_NAMESPACE = "cni-doctor";

/** Small timeouts so failures (rollback) come quickly; bounded polls only. */
export const TEST_ENV: Record<string, string> = {
  CNI_DOCTOR_APPROVERS: "U-ALICE,U-BOB,S-ONCALL,cli:tester",
  CNI_DOCTOR_SELF_APPROVAL: "cli",
  CNI_DOCTOR_APPROVAL_TTL_SECONDS: "300",
  CNI_DOCTOR_MAX_NODES_PER_RUN: "3",
  CNI_DOCTOR_STEP_TIMEOUT_MS: "20000",
  CNI_DOCTOR_AGENT_READY_TIMEOUT_MS: "8000",
  CNI_DOCTOR_POD_READY_TIMEOUT_MS: "20000",
  CNI_DOCTOR_POLL_INTERVAL_MS: "250",
  CNI_DOCTOR_LEASE_SECONDS: "2",
};

export interface Harness {
  sim: RunningSimulatedCluster;
  ssh: NodeSshServers;
  dir: string;
  kubeconfigPath: string;
  nodesFile: string;
  logLines: string[];
  service(
    overrides?: Partial<RemediationPolicy>,
    options?: { clock?: () => Date; instanceId?: string },
  ): Promise<RemediationService>;
  diagnose(): Promise<Diagnosis>;
  /** Diagnoses until `ready` holds (the sim's kubelets report failures within a sync period or two). */
  diagnoseUntil(ready: (d: Diagnosis) => boolean): Promise<Diagnosis>;
  policy(overrides?: Partial<RemediationPolicy>): RemediationPolicy;
  stop(): Promise<void>;
}

/**
 * `syncPeriodMs` is the sim kubelets' resync period. `sandboxRetryMs` is how long they wait before retrying a pod whose
 * sandbox failed: long, and the pods stay stuck until recycled, as in the first incident report; by default they
 * recover on their own once the node is fixed.
 */
export async function startHarness(
  scenario: string,
  options: { syncPeriodMs?: number; sandboxRetryMs?: number } = {},
): Promise<Harness> {
  const sim = await startSimulatedCluster({
    scenario,
    port: 0,
    syncPeriodMs: options.syncPeriodMs ?? 300,
    ...(options.sandboxRetryMs ? { sandboxRetryMs: options.sandboxRetryMs } : {}),
  });
  const dir = await mkdtemp(join(tmpdir(), `cni-doctor-fix-${basename(scenario).replace(/\.ya?ml$/, "")}-`));
  const nodes = loadScenario(scenario).nodes.map((n) => ({ name: n.name, root: sim.nodeRoot(n.name) }));
  const ssh = await startNodeSshServers({ nodes });
  const kubeconfigPath = join(dir, "kubeconfig");
  await writeFile(kubeconfigPath, sim.kubeconfig(), { mode: 0o600 });
  const files = await writeNodesOut(ssh, join(dir, "nodes.yaml"), { connectRetries: 0 });
  const cluster = loadCluster({ kubeconfigPath });
  // What `kubectl apply -k manifests/` does for the namespace.
  await cluster.kubeConfig
    .makeApiClient(CoreV1Api)
    .createNamespace({ body: { metadata: { name: BOT_NAMESPACE } } });
  const reader = createClusterReader(cluster.kubeConfig, cluster.identity, { requestTimeoutMs: 10_000 });
  const writer = createClusterWriter(cluster.kubeConfig, { requestTimeoutMs: 10_000 });
  const inventory = await loadInventory(files.nodesFile);
  const shells: NodeAccess[] = [];
  const logLines: string[] = [];
  const logSink = new Writable({
    write(chunk, _enc, done) {
      logLines.push(...String(chunk).split("\n").filter(Boolean));
      done();
    },
  });
  const shell = () => {
    const s = new NodeAccess(inventory, { env: {} });
    shells.push(s);
    return s;
  };
  // Diagnosis only reads; each RemediationService below gets its own writer.
  const diagnosisNodes: NodeReader = shell();
  const policy = (overrides: Partial<RemediationPolicy> = {}) => ({
    ...loadConfig(TEST_ENV).remediation,
    ...overrides,
  });
  const diagnose = () => diagnoseCluster(reader, { nodeReader: diagnosisNodes });
  return {
    sim,
    ssh,
    dir,
    kubeconfigPath,
    nodesFile: files.nodesFile,
    logLines,
    policy,
    diagnose,
    async diagnoseUntil(ready) {
      let last: Diagnosis | undefined;
      for (let i = 0; i < 60; i++) {
        last = await diagnose();
        if (ready(last)) return last;
        await new Promise((r) => setTimeout(r, 250));
      }
      throw new Error(
        `diagnosis never became ready: ${JSON.stringify(last?.findings.map((f) => f.summary))}`,
      );
    },
    async service(overrides = {}, options = {}) {
      return new RemediationService({
        ...options,
        reader,
        writer,
        pods: createPodWatcher(cluster.kubeConfig, reader),
        nodeWriter: shell(),
        policy: policy(overrides),
        logger: createAuditLogger(logSink),
      });
    },
    async stop() {
      for (const s of shells) await s.close();
      await ssh.close();
      await sim.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Every file under a node's directory, path → sha256 (and mode), for before/after comparisons. */
export function snapshotTree(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string, rel: string) => {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return;
    }
    for (const name of names.sort()) {
      const path = join(dir, name);
      const st = statSync(path);
      const key = `${rel}/${name}`;
      if (st.isDirectory()) {
        out[`${key}/`] = `dir ${(st.mode & 0o7777).toString(8)}`;
        walk(path, key);
      } else {
        out[key] =
          `${createHash("sha256").update(readFileSync(path)).digest("hex")} ${(st.mode & 0o7777).toString(8)}`;
      }
    }
  };
  walk(root, "");
  return out;
}

export function collectEvents(): { events: RunEvent[]; report(e: RunEvent): void } {
  const events: RunEvent[] = [];
  return { events, report: (e) => void events.push(e) };
}

export const alice = { id: "U-ALICE", displayName: "Alice", via: "slack" as const };
export const bob = { id: "U-BOB", displayName: "Bob", via: "slack" as const };
export const mallory = { id: "U-MALLORY", displayName: "Mallory", via: "slack" as const };
