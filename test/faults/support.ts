/**
 * What every fault test checks, in one place: a request log of the simulated API server (to count DELETEs per pod),
 * the run journal's transitions (to count executions per run), the state of a node's CNI files against a snapshot
 * taken before the run (fully moved or fully restored, never half), and a scan for secrets in everything the bot
 * sent to Slack or logged.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import type { RunningSimulatedCluster } from "../../src/sim/index.ts";
import { snapshotTree } from "../remediation/sim-harness.ts";

export const CONF = "etc/cni/net.d";

export interface LoggedRequest {
  method: string;
  path: string;
  resource: string | undefined;
  verb: string | undefined;
  /** The `resourceVersion` query parameter, as sent (lists and watches). */
  resourceVersion: string | undefined;
}

/**
 * Records every request the simulated API server sees (faulted or not) by wrapping its fault injector, which the
 * server consults first for each request. Returns the log and a counter of DELETEs per pod path.
 */
export function recordApiRequests(sim: RunningSimulatedCluster) {
  const requests: LoggedRequest[] = [];
  const faults = sim.apiServer.faults;
  const evaluate = faults.evaluate.bind(faults);
  faults.evaluate = (req) => {
    requests.push({
      method: req.method,
      path: req.path,
      resource: req.resource,
      verb: req.verb,
      resourceVersion: req.resourceVersion,
    });
    return evaluate(req);
  };
  return {
    requests,
    /** A mark in the log, to count from (e.g. one run's requests). */
    mark: () => requests.length,
    /** DELETE requests per pod ("namespace/name"), from `since` (a mark) on. */
    podDeletes(since = 0): Map<string, number> {
      const counts = new Map<string, number>();
      for (const r of requests.slice(since)) {
        const m = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)$/.exec(r.path);
        if (r.method === "DELETE" && m) {
          const key = `${m[1]}/${m[2]}`;
          counts.set(key, (counts.get(key) ?? 0) + 1);
        }
      }
      return counts;
    },
  };
}

/** Pods that got more than one DELETE request. */
export function deletedTwice(counts: Map<string, number>): string[] {
  return [...counts].filter(([, n]) => n > 1).map(([pod, n]) => `${pod} x${n}`);
}

/**
 * Watches the journal ConfigMaps in the store and counts, per run, how often its record moved into "running": a run
 * executed twice would show two.
 */
export function recordExecutions(sim: RunningSimulatedCluster, namespace = "cni-doctor") {
  const lastState = new Map<string, string>();
  const executions = new Map<string, number>();
  const unsubscribe = sim.store.subscribe((event) => {
    if (event.resource !== "configmaps") return;
    const obj = event.object as {
      metadata?: { namespace?: string; labels?: Record<string, string> };
      data?: Record<string, string>;
    };
    if (obj.metadata?.namespace !== namespace || obj.metadata.labels?.["cni-doctor.io/kind"] !== "run")
      return;
    const record = JSON.parse(obj.data?.["run.json"] ?? "{}") as { id?: string; state?: string };
    if (!record.id || !record.state) return;
    if (record.state === "running" && lastState.get(record.id) !== "running")
      executions.set(record.id, (executions.get(record.id) ?? 0) + 1);
    lastState.set(record.id, record.state);
  });
  return { executions, stop: unsubscribe };
}

/** What the fault tests read of a run's journal record, straight from the store. */
export interface JournaledRun {
  state: string;
  plan: {
    steps: Array<{ kind: string; node?: string; quarantine?: { backupDir: string; files: string[] } }>;
  };
}

export function journalRecord(
  sim: RunningSimulatedCluster,
  runId: string,
  namespace = "cni-doctor",
): JournaledRun {
  const cm = sim.store.get("configmaps", namespace, `cni-doctor-run-${runId}`) as
    | { data?: Record<string, string> }
    | undefined;
  const text = cm?.data?.["run.json"];
  if (!text) throw new Error(`no journal record for run ${runId}`);
  return JSON.parse(text) as JournaledRun;
}

export type FilesVerdict = { state: "restored" } | { state: "moved" } | { state: "half"; problems: string[] };

/**
 * Compares a node's conf dir and backup dir now against the conf dir's snapshot before the run:
 * - restored: the conf dir is byte for byte (and mode for mode) what it was, and no moved file is left in the
 *   backup (anything written during the run may sit in a `displaced-*` folder there);
 * - moved: every file the plan moves is in the backup, byte-identical to the original (mv moves, never copies, so
 *   that proves it left the conf dir; a file there of that name is a fresh one the agent wrote, which may well have
 *   the same bytes); everything else in the conf dir is untouched;
 * - half: anything else.
 */
export function filesVerdict(
  before: Record<string, string>,
  nodeRoot: string,
  backupDir: string,
  moved: string[],
): FilesVerdict {
  const conf = snapshotTree(join(nodeRoot, CONF));
  const backup = snapshotTree(join(nodeRoot, backupDir.replace(/^\//, "")));
  const same = JSON.stringify(conf) === JSON.stringify(before);
  const backupTop = Object.keys(backup).filter((k) => !k.slice(1).includes("/"));
  if (same && moved.every((f) => !backupTop.includes(`/${f}`))) return { state: "restored" };
  const problems: string[] = [];
  for (const f of moved) {
    if (backup[`/${f}`] !== before[`/${f}`])
      problems.push(`${f}: backup ${backup[`/${f}`] ?? "missing"}, original ${before[`/${f}`]}`);
  }
  for (const [k, v] of Object.entries(before)) {
    if (moved.includes(k.slice(1))) continue;
    if (conf[k] !== v) problems.push(`${k}: changed although the plan does not move it`);
  }
  return problems.length === 0 ? { state: "moved" } : { state: "half", problems };
}

// ---------------------------------------------------------------------------------------------------------------
// Secrets

/** Shapes of secrets that must never leave: Slack tokens, PEM/OpenSSH private keys, JWTs (service-account tokens). */
export const SECRET_PATTERNS: Array<{ name: string; pattern: RegExp }> = [
  { name: "Slack token", pattern: /\bxox[abposr]-[A-Za-z0-9-]{10,}/ },
  { name: "Slack app-level token", pattern: /\bxapp-\d-[A-Za-z0-9-]{10,}/ },
  { name: "private key", pattern: /-----BEGIN [A-Z ]*PRIVATE KEY-----/ },
  { name: "JWT", pattern: /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/ },
];

/** Names what was found (never the secret itself): known values, and anything shaped like a secret. */
export function findSecrets(text: string, known: readonly string[]): string[] {
  const found: string[] = [];
  for (const [i, secret] of known.entries()) {
    if (secret.length >= 8 && text.includes(secret))
      found.push(`known secret #${i} (${secret.slice(0, 4)}…)`);
  }
  for (const { name, pattern } of SECRET_PATTERNS) {
    const m = pattern.exec(text);
    if (m) {
      const at = Math.max(0, m.index - 60);
      found.push(`${name} near: ${text.slice(at, m.index).replace(/\s+/g, " ")}…`);
    }
  }
  return found;
}

/**
 * The simulation's secrets: the admin token, every token in a calico-kubeconfig on any node (before or after the run,
 * in the conf dir or a backup), and the private keys next to the nodes file (the SSH client key).
 */
export function simSecrets(sim: RunningSimulatedCluster, extraDirs: string[] = []): string[] {
  const secrets = [sim.adminToken];
  const walk = (dir: string, visit: (path: string) => void) => {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return;
    }
    for (const name of names) {
      const path = join(dir, name);
      const st = statSync(path);
      if (st.isDirectory()) walk(path, visit);
      else if (st.size < 1_000_000) visit(path);
    }
  };
  walk(join(sim.root, "nodes"), (path) => {
    if (!path.endsWith("calico-kubeconfig")) return;
    for (const m of readFileSync(path, "utf8").matchAll(/token:\s*"?([A-Za-z0-9._-]{16,})/g))
      if (m[1]) secrets.push(m[1]);
  });
  for (const dir of extraDirs) {
    walk(dir, (path) => {
      const text = readFileSync(path, "utf8");
      if (!text.includes("PRIVATE KEY-----")) return;
      // The key's base64 body, a line of it is enough to recognise a leak.
      for (const line of text.split("\n")) if (/^[A-Za-z0-9+/=]{40,}$/.test(line)) secrets.push(line);
    });
  }
  return secrets;
}
