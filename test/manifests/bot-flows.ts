/**
 * The bot's whole flow, run as the bot's ServiceAccount against a simulated cluster that enforces RBAC from the
 * rendered manifests: the proof harness behind test/manifests/rbac.test.ts.
 *
 * The cluster gets the manifests' Namespace, ServiceAccount, Roles, ClusterRoles and bindings created through the
 * API, as `kubectl apply` would; the bot authenticates with a TokenRequest token for cni-doctor/cni-doctor, as its
 * projected token in a pod; every authorization decision the API server takes is recorded.
 */

import { execFileSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { KubernetesObjectApi } from "@kubernetes/client-node";
import { parseAllDocuments } from "yaml";
import { loadConfig } from "../../src/config.ts";
import type { Diagnosis } from "../../src/diagnosis/index.ts";
import { diagnoseCluster } from "../../src/diagnosis/index.ts";
import { type LoadedCluster, loadCluster } from "../../src/kube/cluster-config.ts";
import { SANDBOX_FAILURE_REASONS, startNetworkSignalFeed } from "../../src/kube/network-signals.ts";
import { NodeAgentPods } from "../../src/kube/node-agent-pods.ts";
import { type ClusterReader, createClusterReader } from "../../src/kube/reader.ts";
import { createPodWatcher } from "../../src/kube/wait.ts";
import { createClusterWriter } from "../../src/kube/writer.ts";
import { loadInventory, NodeAccess, type NodeWriter } from "../../src/nodes/index.ts";
import { openNodeAccess } from "../../src/nodes/open-node-access.ts";
import {
  createAuditLogger,
  LEASE_NAME,
  NODE_EVENT_REASON,
  RemediationService,
} from "../../src/remediation/index.ts";
import { ClusterLease } from "../../src/remediation/lease.ts";
import type { RequestAttributes } from "../../src/sim/apiserver/index.ts";
import type { AuthorizationRecord, RunningSimulatedCluster } from "../../src/sim/index.ts";
import { startSimulatedCluster } from "../../src/sim/index.ts";
import type { BotLogger, SlackFlows } from "../../src/slack/flows/context.ts";
import { IncidentRecords } from "../../src/slack/incident/records.ts";
import { INCIDENT_LEASE_NAME, IncidentWatch } from "../../src/slack/incident/watch.ts";
import { AGENT_SETTINGS } from "../support/agent-pods.ts";

export const REPO_ROOT = new URL("../../", import.meta.url).pathname;
export const BOT_NAMESPACE = "cni-doctor";
export const BOT_USER = `system:serviceaccount:${BOT_NAMESPACE}:cni-doctor`;
export const SCENARIO = "stale-cni-config";
/** The nodes stale-cni-config breaks: what diagnosis must find and the fix must heal. */
export const BROKEN_NODES = ["k8s-worker1", "k8s-worker2"];

// biome-ignore lint/suspicious/noExplicitAny: rendered manifests are arbitrary Kubernetes JSON
export type Manifest = Record<string, any> & {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
};

/** `kubectl kustomize manifests/`, parsed: exactly what `kubectl apply -k manifests/` would send. */
export function renderManifests(dir = "manifests"): Manifest[] {
  const text = execFileSync("kubectl", ["kustomize", join(REPO_ROOT, dir)], { encoding: "utf8" });
  return parseAllDocuments(text).map((d) => d.toJSON() as Manifest);
}

export const RBAC_KINDS = new Set(["Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding"]);
/** What the proof applies: namespaces, identity, the PriorityClass and RBAC. (The Deployment would start the bot itself; the test plays the bot.) */
const APPLIED_KINDS = new Set(["Namespace", "ServiceAccount", "PriorityClass", ...RBAC_KINDS]);

/** Quick timeouts and polls so a broken flow fails fast; approvers for the two-person rule. */
const POLICY_ENV: Record<string, string> = {
  CNI_DOCTOR_NAMESPACE: BOT_NAMESPACE,
  CNI_DOCTOR_APPROVERS: "U-ALICE,U-BOB",
  CNI_DOCTOR_MAX_NODES_PER_RUN: "3",
  CNI_DOCTOR_STEP_TIMEOUT_MS: "20000",
  CNI_DOCTOR_AGENT_READY_TIMEOUT_MS: "20000",
  CNI_DOCTOR_POD_READY_TIMEOUT_MS: "20000",
  CNI_DOCTOR_POLL_INTERVAL_MS: "250",
  CNI_DOCTOR_LEASE_SECONDS: "10",
};

/** The flows, in the order the bot runs them; a rule "serves" the first flow that breaks without it. */
export const FLOWS = [
  "diagnose",
  "diagnose --node",
  "inspect nodes",
  "fix (propose, approve, execute, verify)",
  "journal read-back",
  "node events",
  "verify where EndpointSlices are not served",
  "incident watch",
] as const;
export type FlowName = (typeof FLOWS)[number];

export interface FlowOutcome {
  flow: FlowName;
  /** The flow did its job (its check below passed). */
  ok: boolean;
  /** What the flow showed: diagnosis errors and evidence, the run result, log lines; searched for the 403. */
  output: string;
  /** Requests of this flow the API server refused, e.g. "watch pods -n calico-system". */
  denied: string[];
}

export interface FlowRun {
  outcomes: FlowOutcome[];
  /** The first flow whose check failed, if any. Later flows are not run: they would fail for its sake. */
  failed: FlowOutcome | undefined;
  /** The first flow that had a request refused, whether or not it carried on without it. */
  denied: FlowOutcome | undefined;
  /** Every decision on the bot's requests, with the flow that made the request. */
  decisions: Array<AuthorizationRecord & { flow: FlowName }>;
}

export interface BotCluster {
  sim: RunningSimulatedCluster;
  run(): Promise<FlowRun>;
  stop(): Promise<void>;
}

/**
 * Starts the scenario with RBAC on, applies `objects` as the admin, waits until the kubelets have reported the
 * failures (seen through the admin's eyes, so a missing permission cannot make the wait itself hang), and returns
 * the bot's flow, ready to run once.
 */
export async function startBotCluster(objects: Manifest[]): Promise<BotCluster> {
  const sim = await startSimulatedCluster({ scenario: SCENARIO, port: 0, syncPeriodMs: 300, rbac: true });
  const dir = await mkdtemp(join(tmpdir(), "cni-doctor-rbac-"));
  const shells: NodeAccess[] = [];
  const agentAccess: NodeWriter[] = [];
  try {
    const adminPath = join(dir, "admin.kubeconfig");
    await writeFile(adminPath, sim.kubeconfig(), { mode: 0o600 });
    const admin = loadCluster({ kubeconfigPath: adminPath });
    await applyAsKubectl(
      admin,
      objects.filter((o) => APPLIED_KINDS.has(o.kind)),
    );

    const files = await sim.writeNodesOut(join(dir, "nodes.yaml"), { connectRetries: 0 });
    const inventory = await loadInventory(files.nodesFile);
    const shell = () => {
      const s = new NodeAccess(inventory, { env: {} });
      shells.push(s);
      return s;
    };
    const adminReader = createClusterReader(admin.kubeConfig, admin.identity, { requestTimeoutMs: 10_000 });
    await waitForIncident(adminReader, shell());

    const token = await sim.requestServiceAccountToken(BOT_NAMESPACE, "cni-doctor");
    const botPath = join(dir, "bot.kubeconfig");
    await writeFile(botPath, sim.kubeconfig({ user: "cni-doctor", token }), { mode: 0o600 });
    const bot = loadCluster({ kubeconfigPath: botPath });

    return {
      sim,
      run: () =>
        runFlows(sim, bot, async (mode) => {
          // As deployed: node access through agent pods in cni-doctor-nodes, opened as the bot.
          const access = await openNodeAccess({
            choice: "kubernetes",
            nodesFile: undefined,
            mode,
            env: {},
            kubernetes: {
              // The agent pods carry the manifests' PriorityClass, as policy.env configures them.
              agents: new NodeAgentPods(bot.kubeConfig, {
                ...AGENT_SETTINGS,
                priorityClassName: "cni-doctor-critical",
              }),
              listNodes: () =>
                createClusterReader(bot.kubeConfig, bot.identity, { requestTimeoutMs: 10_000 }).listNodes(),
              cniConfDir: undefined,
              backupRoot: loadConfig(POLICY_ENV).remediation.backupRoot,
              concurrency: 4,
              commandTimeoutMs: 10_000,
            },
          });
          if (!access) throw new Error("kubernetes node access did not open");
          agentAccess.push(access);
          return access;
        }),
      stop: async () => {
        for (const s of [...shells, ...agentAccess]) await s.close().catch(() => undefined);
        await sim.stop();
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    for (const s of shells) await s.close();
    await sim.stop();
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

/** Creates each object through the API in dependency order (namespaces first), as `kubectl apply` would. */
async function applyAsKubectl(admin: LoadedCluster, objects: Manifest[]): Promise<void> {
  const api = KubernetesObjectApi.makeApiClient(admin.kubeConfig);
  const order = (o: Manifest) => (o.kind === "Namespace" ? 0 : o.kind === "ServiceAccount" ? 1 : 2);
  for (const o of [...objects].sort((a, b) => order(a) - order(b))) {
    try {
      await api.create(o);
    } catch (err) {
      // The scenario already has "default" and "kube-system"; other objects are new.
      if ((err as { code?: number }).code !== 409) throw err;
    }
  }
}

function incidentVisible(d: Diagnosis): boolean {
  return BROKEN_NODES.every((node) =>
    d.findings.some(
      (f) =>
        f.rootCause === "stale-cni-config" &&
        f.nodes.includes(node) &&
        f.evidence.nodes.every((n) => n.inspection !== null),
    ),
  );
}

async function waitForIncident(reader: ClusterReader, shell: NodeAccess): Promise<void> {
  let last: Diagnosis | undefined;
  for (let i = 0; i < 80; i++) {
    last = await diagnoseCluster(reader, { nodeReader: shell });
    if (incidentVisible(last)) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(
    `the incident never showed: ${JSON.stringify(last?.findings.map((f) => f.summary) ?? [])} ${JSON.stringify(last?.errors ?? [])}`,
  );
}

const alice = { id: "U-ALICE", displayName: "Alice", via: "slack" as const };
const bob = { id: "U-BOB", displayName: "Bob", via: "slack" as const };

async function runFlows(
  sim: RunningSimulatedCluster,
  bot: LoadedCluster,
  nodes: (mode: "read" | "write") => Promise<NodeWriter>,
): Promise<FlowRun> {
  const decisions: FlowRun["decisions"] = [];
  let current: FlowName = FLOWS[0];
  const unsubscribe = sim.onAuthorization((r) => {
    if (r.attributes.user.username === BOT_USER) decisions.push({ ...r, flow: current });
  });
  const outcomes: FlowOutcome[] = [];
  const logLines: string[] = [];
  const reader = createClusterReader(bot.kubeConfig, bot.identity, { requestTimeoutMs: 10_000 });
  const writer = createClusterWriter(bot.kubeConfig, { requestTimeoutMs: 10_000 });
  const policy = loadConfig(POLICY_ENV).remediation;
  // Made in the fix flow, with the read-write node access an approved run gets: its calls count for that flow.
  let service: RemediationService | undefined;
  const remediation = async () => {
    service ??= new RemediationService({
      reader,
      writer,
      pods: createPodWatcher(bot.kubeConfig, reader),
      nodeWriter: await nodes("write"),
      policy,
      logger: createAuditLogger(
        new Writable({
          write(chunk, _enc, done) {
            logLines.push(...String(chunk).split("\n").filter(Boolean));
            done();
          },
        }),
      ),
    });
    return service;
  };

  // Each step returns whether the flow did its job, and what it showed.
  let inspected: Diagnosis | undefined;
  let runId: string | undefined;
  let logMark = 0;
  const steps: Record<FlowName, () => Promise<{ ok: boolean; output: string }>> = {
    diagnose: async () => {
      const d = await diagnoseCluster(reader);
      const found = BROKEN_NODES.every((n) => d.findings.some((f) => f.nodes.includes(n)));
      return { ok: d.errors.length === 0 && found, output: JSON.stringify(d.errors) };
    },
    "diagnose --node": async () => {
      const d = await diagnoseCluster(reader, { scope: { node: BROKEN_NODES[0] } });
      return { ok: d.errors.length === 0 && d.findings.length > 0, output: JSON.stringify(d.errors) };
    },
    // Inspection carries on when a cross-check is refused (the verdict says "unknown" and why); the flow's job is
    // every verdict, so an unknown one is a failure here.
    "inspect nodes": async () => {
      const nodeReader = await nodes("read");
      try {
        inspected = await diagnoseCluster(reader, { nodeReader });
      } finally {
        await nodeReader.close();
      }
      const d = inspected;
      const output = JSON.stringify({ errors: d.errors, findings: d.findings });
      const verdictsKnown = !output.includes('"status":"unknown"');
      return { ok: d.errors.length === 0 && incidentVisible(d) && verdictsKnown, output };
    },
    "fix (propose, approve, execute, verify)": async () => {
      const service = await remediation();
      const proposed = await service.propose(inspected as Diagnosis, { requestedBy: alice });
      runId = proposed.run.id;
      const approval = await service.approve(runId, bob);
      if (approval.status !== "approved") return { ok: false, output: JSON.stringify(approval) };
      logMark = logLines.length;
      const result = await service.execute(runId, { report: () => undefined });
      // A run that ends must hand the Lease back, or the next fix waits for it to lapse.
      const lease = sim.store.get("leases", BOT_NAMESPACE, LEASE_NAME);
      const released = lease !== undefined && !lease.spec?.holderIdentity;
      const ok = result.status === "succeeded" && result.verification?.ok === true && released;
      return {
        ok,
        output: `${JSON.stringify(result)}\nlease: ${JSON.stringify(lease?.spec)}\n${logLines.join("\n")}`,
      };
    },
    "journal read-back": async () => {
      const runs = await (await remediation()).recentRuns();
      return {
        ok: runs.some((r) => r.id === runId && r.state === "succeeded"),
        output: JSON.stringify(runs),
      };
    },
    // Best effort by design (a run does not fail for want of an Event), so the proof reads what landed.
    "node events": async () => {
      const events = sim.store
        .list("events", "default")
        .filter((e) => e.reason === NODE_EVENT_REASON && e.involvedObject?.kind === "Node");
      const nodes = new Set(events.map((e) => e.involvedObject.name as string));
      return {
        ok: BROKEN_NODES.every((n) => nodes.has(n)),
        output: logLines.slice(logMark).join("\n"),
      };
    },
    // An API server without discovery.k8s.io answers 404 for the whole collection; verification then reads the
    // Service's core Endpoints. The healed redis pods must show there as they did in the slices.
    "verify where EndpointSlices are not served": async () => {
      const notServed = sim.apiServer.faults.add({ resource: "endpointslices", status: 404 });
      try {
        const addresses = await reader.readyServiceAddresses("default", "redis-master");
        return {
          ok: addresses.source === "Endpoints" && addresses.ready.length === BROKEN_NODES.length,
          output: JSON.stringify(addresses),
        };
      } catch (err) {
        return { ok: false, output: String((err as Error).message) };
      } finally {
        notServed();
      }
    },
    // `serve` with CNI_DOCTOR_INCIDENT_CHANNEL, wired as src/slack/incident/wiring.ts does: the real IncidentWatch takes
    // its Lease (created on the first tick, renewed on the next), follows the sandbox-failure events and the nodes
    // (each stream listed, then watched), and hands the Lease back on stop; then the record book of its threads is
    // written and read back as opening and resolving a thread does. What it shows is its log.
    "incident watch": async () => {
      const log: string[] = [];
      const line = (level: string) => (fields: Record<string, unknown>, message: string) =>
        log.push(`${level} ${message} ${JSON.stringify(fields)}`);
      const logger: BotLogger = { info: line("info"), warn: line("warn"), error: line("error") };
      const seen = { events: 0, nodes: 0 };
      const mark = decisions.length;
      const decided = (verb: string, resource: string, name?: string) =>
        decisions
          .slice(mark)
          .filter(
            (d) =>
              d.attributes.verb === verb &&
              d.attributes.resource === resource &&
              (name === undefined || d.attributes.name === name),
          ).length;
      const records = new IncidentRecords(writer, BOT_NAMESPACE);
      const watch = new IncidentWatch({
        // Only the log is used until a burst is examined, which a debounce this long never reaches here.
        flows: { logger } as unknown as SlackFlows,
        cluster: "in-cluster",
        channel: "C-INCIDENTS",
        debounceMs: 600_000,
        recheckMs: 600_000,
        records,
        lease: new ClusterLease(
          writer,
          BOT_NAMESPACE,
          policy.leaseDurationSeconds,
          () => new Date(),
          INCIDENT_LEASE_NAME,
        ),
        // Ticks every 300 ms (the Lease itself lasts CNI_DOCTOR_LEASE_SECONDS), so the renewal comes quickly.
        leaseSeconds: 0.9,
        startFeed: (handlers) =>
          startNetworkSignalFeed(
            bot.kubeConfig,
            {
              ...handlers,
              onEvent: (e) => {
                seen.events++;
                handlers.onEvent(e);
              },
              onNode: (n) => {
                seen.nodes++;
                handlers.onNode(n);
              },
            },
            { requestTimeoutMs: 10_000 },
          ),
      });
      let led = false;
      watch.start();
      try {
        // Seen through the API server's eyes, so a refusal cannot make the wait hang: every stream's watch was
        // asked for (one per event reason, and nodes) and the Lease renewed (or a lease check failed), or 15 s passed.
        for (let i = 0; i < 150; i++) {
          led ||= watch.leading;
          if (
            decided("watch", "events") >= SANDBOX_FAILURE_REASONS.length &&
            decided("watch", "nodes") >= 1 &&
            (decided("update", "leases", INCIDENT_LEASE_NAME) >= 1 || log.some((l) => l.startsWith("warn ")))
          )
            break;
          await new Promise((r) => setTimeout(r, 100));
        }
        // Let the answers to those requests arrive (a refused watch is reported as it ends).
        await new Promise((r) => setTimeout(r, 1000));
        led ||= watch.leading;
      } finally {
        await watch.stop();
      }
      const lease = sim.store.get("leases", BOT_NAMESPACE, INCIDENT_LEASE_NAME);
      const released = lease !== undefined && !lease.spec?.holderIdentity;
      // The record book: a thread opened (recorded), read back as open, then resolved.
      let recorded = false;
      try {
        const record = {
          key: "watch:stale-cni-config",
          cluster: "in-cluster",
          channel: "C-INCIDENTS",
          threadTs: "1700000000.000100",
          openedAt: new Date().toISOString(),
          failures: 1,
          headline: "stale CNI config",
          resolvedAt: null,
        };
        await records.update((book) => ({ book: { ...book, [record.key]: record }, result: null }));
        const open = await records.open();
        const resolvedAt = new Date().toISOString();
        await records.update((book) => ({
          book: { ...book, [record.key]: { ...record, resolvedAt } },
          result: null,
        }));
        recorded = open.some((r) => r.key === record.key) && (await records.open()).length === 0;
      } catch (err) {
        log.push(`records: ${(err as Error).message}`);
      }
      const warnings = log.filter((l) => !l.startsWith("info "));
      return {
        ok: led && released && seen.events > 0 && seen.nodes > 0 && warnings.length === 0 && recorded,
        output: `${JSON.stringify({ led, released, seen, recorded, lease: lease?.spec })}\n${log.join("\n")}`,
      };
    },
  };

  try {
    for (const flow of FLOWS) {
      current = flow;
      const mark = decisions.length;
      let result: { ok: boolean; output: string };
      try {
        result = await steps[flow]();
      } catch (err) {
        result = { ok: false, output: (err as Error).stack ?? String(err) };
      }
      const denied = decisions
        .slice(mark)
        .filter((d) => !d.allowed)
        .map((d) => describeRequest(d.attributes));
      const outcome: FlowOutcome = { flow, ...result, denied };
      outcomes.push(outcome);
      if (!outcome.ok) break;
    }
  } finally {
    unsubscribe();
  }
  return {
    outcomes,
    failed: outcomes.find((o) => !o.ok),
    denied: outcomes.find((o) => o.denied.length > 0),
    decisions,
  };
}

/** A request as kubectl would spell it: "get pods -n calico-system calico-node-x", "create tokenreviews.authentication.k8s.io". */
export function describeRequest(a: RequestAttributes): string {
  const res = `${a.resource}${a.subresource ? `/${a.subresource}` : ""}${a.group ? `.${a.group}` : ""}`;
  return `${a.verb} ${res}${a.namespace ? ` -n ${a.namespace}` : ""}${a.name ? ` ${a.name}` : ""}`;
}
