/**
 * The remediation plan: a pure function of a Diagnosis. It says, node by node, exactly what would change (the SSH
 * command lines, the pods deleted), what is left to a human, and which stuck pods are left alone; and it carries a
 * digest over its content and the evidence it rests on, so an approval is for this plan and this cluster state only.
 *
 * Automatic fixes, by the node's root cause (research notes §3, §5):
 * - stale-cni-config: move Calico's files and any shadowing config aside into a backup dir, restart calico-node on
 *   the node (install-cni writes fresh files), verify, recycle the stuck pods;
 * - cni-token-expired / cni-token-revoked: restart calico-node, verify, recycle;
 * - shadowing-cni-config: move the shadowing config aside, recycle;
 * - cni-agent-not-running: restart the agent pod, recycle.
 * Everything else is a manual action. A node whose files were not inspected gets no automatic fix: without them the
 * plan could not say what it moves, nor the runner verify the token.
 */
import type { CniPlugin, Diagnosis, Finding, NodeEvidence, PodRef, RootCause } from "../diagnosis/index.ts";
import type { ClusterIdentity } from "../kube/types.ts";
import {
  type CommandTemplate,
  checksumFiles,
  listDirectory,
  makeBackupDirectory,
  moveIntoDirectory,
  renderCommandLine,
} from "../nodes/index.ts";
import { canonicalJson, digestOf, sha256Hex } from "./digest.ts";

export const PLAN_VERSION = 1;
export const DEFAULT_BACKUP_ROOT = "/var/lib/cni-doctor/backup";

export type StepKind = "quarantine-cni-config" | "restart-cni-agent" | "recycle-pods" | "verify";

/** Files moved aside on one node, and where to. */
export interface QuarantineDetail {
  cniConfDir: string;
  /** The configured backup root; backupDir is `<backupRoot>/<evidenceId>`. */
  backupRoot: string;
  backupDir: string;
  /** Entry names in the conf dir, in byte order. */
  files: string[];
  /** The subset that are regular files (checksummed; directories are verified by listing). */
  regularFiles: string[];
  /** Why each file goes, e.g. "Calico's", "shadows 10-calico.conflist". */
  reasons: Record<string, string>;
}

export interface AgentDetail {
  namespace: string;
  pod: string;
  /** The agent's DaemonSet name, e.g. "calico-node" (its pods carry `k8s-app=<name>`). */
  name: string;
  /** Why it was down (agent-not-running): container states and last termination. */
  whyDown: string[];
}

export interface PlanStep {
  kind: StepKind;
  node?: string;
  /** Pods the step deletes or checks, as namespace/name. */
  pods?: string[];
  /** The exact command lines run on the node, in order. */
  commands?: string[];
  /** One line for people. */
  description: string;
  quarantine?: QuarantineDetail;
  agent?: AgentDetail;
  /** For recycle-pods: the controllers that recreate the pods, as namespace/Kind/name. */
  owners?: string[];
  /** For quarantine and restart: the root cause the node's files verify against afterwards. */
  rootCause?: RootCause;
}

export interface ManualAction {
  node: string | null;
  rootCause: RootCause;
  /** What a human should check and do. */
  summary: string;
  checks: string[];
}

export interface ExcludedPod {
  pod: string;
  node: string;
  reason: string;
}

/** What the plan rests on: the parts of the Diagnosis that would change if the cluster did. No volatile values. */
export interface EvidenceBasis {
  cluster: { context: string; server: string; caFingerprint: string | null };
  scope: { namespace: string | null; node: string | null };
  nodes: Array<{
    node: string;
    rootCause: RootCause;
    cni: CniPlugin;
    agent: { namespace: string; pod: string } | null;
    confDir: Array<{ name: string; type: string; sizeBytes: number; modifiedAt: string }> | null;
    activeConfig: string | null;
    kubeconfig: {
      status: string;
      caFingerprint: string | null;
      token: string | null;
      review: string | null;
    } | null;
  }>;
  pods: Array<{ pod: string; node: string; reason: string; owner: string | null }>;
}

export interface Plan {
  version: number;
  /** sha256 over the plan's content and its evidence basis; approvals are bound to it. */
  digest: string;
  /** Short hash of the evidence alone; names the node backup directory. */
  evidenceId: string;
  cluster: ClusterIdentity;
  scope: { namespace: string | null; node: string | null };
  includeBarePods: boolean;
  steps: PlanStep[];
  blastRadius: { nodes: string[]; pods: string[] };
  manualActions: ManualAction[];
  excludedPods: ExcludedPod[];
  evidence: EvidenceBasis;
  /** True when no automatic step is needed (healthy, or only manual actions). */
  nothingToDo: boolean;
}

export interface PlanOptions {
  includeBarePods?: boolean;
  backupRoot?: string;
  /**
   * The exact command line a node would run for a template (NodeShell.commandLine, which knows about sudo). Defaults
   * to the template without sudo.
   */
  renderCommand?: (node: string, template: CommandTemplate<unknown>) => string;
}

/** Controllers that recreate a deleted pod. */
const RECREATING_OWNERS = new Set(["ReplicaSet", "StatefulSet", "DaemonSet", "Job"]);
/** Meta-plugins that come first on purpose and delegate to the real CNI: never moved. */
const DELEGATING_CNIS: readonly CniPlugin[] = ["multus"];
const AUTOMATIC: ReadonlySet<RootCause> = new Set([
  "stale-cni-config",
  "cni-token-expired",
  "cni-token-revoked",
  "shadowing-cni-config",
  "cni-agent-not-running",
]);

interface NodeCase {
  node: string;
  rootCause: RootCause;
  cni: CniPlugin;
  evidence: NodeEvidence | null;
  finding: Finding;
  pods: PodRef[];
}

export function planRemediation(diagnosis: Diagnosis, options: PlanOptions = {}): Plan {
  const includeBarePods = options.includeBarePods ?? false;
  const backupRoot = options.backupRoot ?? DEFAULT_BACKUP_ROOT;
  const render =
    options.renderCommand ??
    ((_node: string, t: CommandTemplate<unknown>) => renderCommandLine(t, { sudo: false }));
  const cases = nodeCases(diagnosis);
  const evidence = evidenceBasis(diagnosis, cases);
  const evidenceId = sha256Hex(canonicalJson(evidence)).slice(0, 16);
  const backupDir = `${backupRoot}/${evidenceId}`;

  const steps: PlanStep[] = [];
  const manualActions: ManualAction[] = [];
  const excludedPods: ExcludedPod[] = [];
  const recycled: PodRef[] = [];
  // Pods are recycled only once every node is fixed: a replacement may be scheduled on any node.
  const recycleSteps: PlanStep[] = [];

  for (const c of cases) {
    const reasonNotAutomatic = whyNotAutomatic(c);
    if (reasonNotAutomatic !== null) {
      manualActions.push({
        node: c.node,
        rootCause: c.rootCause,
        summary: reasonNotAutomatic,
        checks: c.finding.suggestedChecks,
      });
      continue;
    }
    const inspection = c.evidence?.inspection ?? null;
    const agent = c.evidence?.agent ?? null;
    const agentName = c.evidence?.agentName ?? "calico-node";

    if (inspection && (c.rootCause === "stale-cni-config" || c.rootCause === "shadowing-cni-config")) {
      const quarantine = filesToQuarantine(c, backupRoot, backupDir);
      if (quarantine.files.length > 0) {
        steps.push({
          kind: "quarantine-cni-config",
          node: c.node,
          commands: quarantineCommands(quarantine, (t) => render(c.node, t)),
          description: `Move ${quarantine.files.join(", ")} from ${quarantine.cniConfDir} on ${c.node} into ${backupDir} (kept, never deleted), and check the copies are byte-identical.`,
          quarantine,
          rootCause: c.rootCause,
        });
      }
    }
    if (c.rootCause !== "shadowing-cni-config" && agent) {
      steps.push({
        kind: "restart-cni-agent",
        node: c.node,
        pods: [`${agent.namespace}/${agent.pod}`],
        description: `Restart ${agentName} on ${c.node} by deleting pod ${agent.namespace}/${agent.pod} (its DaemonSet starts a replacement, whose install-cni writes fresh CNI files); wait for it to be Ready and check the node's calico-kubeconfig holds a token the API server accepts.`,
        agent: {
          namespace: agent.namespace,
          pod: agent.pod,
          name: agentName,
          whyDown: c.rootCause === "cni-agent-not-running" ? describeWhyDown(c.evidence) : [],
        },
        rootCause: c.rootCause,
      });
    }
    const owned = c.pods.filter((p) => p.owner && RECREATING_OWNERS.has(p.owner.kind));
    const bare = c.pods.filter((p) => !p.owner || !RECREATING_OWNERS.has(p.owner.kind));
    const toRecycle = includeBarePods ? c.pods : owned;
    if (!includeBarePods) {
      for (const p of bare) {
        excludedPods.push({
          pod: `${p.namespace}/${p.name}`,
          node: p.node,
          reason: p.owner
            ? `owned by ${p.owner.kind} ${p.owner.name}, which does not recreate it`
            : "bare pod: nothing would recreate it (include bare pods to delete it anyway)",
        });
      }
    }
    if (toRecycle.length > 0) {
      recycled.push(...toRecycle);
      recycleSteps.push({
        kind: "recycle-pods",
        node: c.node,
        pods: toRecycle.map((p) => `${p.namespace}/${p.name}`),
        owners: [...new Set(toRecycle.filter((p) => p.owner).map((p) => ownerKey(p)))].sort(),
        description: `Delete the ${toRecycle.length} stuck pod${toRecycle.length === 1 ? "" : "s"} on ${c.node} that are still not running (guarded by uid) so their controllers recreate them, and wait for the replacements to be Running and Ready.`,
      });
    }
  }

  steps.push(...recycleSteps);
  const changed = steps.length > 0;
  if (changed) {
    steps.push({
      kind: "verify",
      pods: recycled.map((p) => `${p.namespace}/${p.name}`),
      owners: [...new Set(recycled.filter((p) => p.owner).map((p) => ownerKey(p)))].sort(),
      description:
        "Verify: the recreated pods are Running and Ready, every Service selecting them has ready endpoints, and a fresh diagnosis is healthy.",
    });
  }

  const nodes = [...new Set(steps.flatMap((s) => (s.node ? [s.node] : [])))].sort();
  const pods = [...new Set(steps.filter((s) => s.kind !== "verify").flatMap((s) => s.pods ?? []))].sort();
  const content = {
    version: PLAN_VERSION,
    cluster: diagnosis.cluster,
    scope: diagnosis.scope,
    includeBarePods,
    steps,
    blastRadius: { nodes, pods },
    manualActions,
    excludedPods,
    evidence,
  };
  return {
    ...content,
    digest: digestOf(content),
    evidenceId,
    nothingToDo: !changed,
  };
}

export function ownerKey(p: PodRef): string {
  return p.owner ? `${p.namespace}/${p.owner.kind}/${p.owner.name}` : "";
}

/** One case per affected node; a node in several findings keeps the first (strongest) root cause and every pod. */
function nodeCases(diagnosis: Diagnosis): NodeCase[] {
  const byNode = new Map<string, NodeCase>();
  for (const finding of diagnosis.findings) {
    for (const node of finding.nodes) {
      const evidence = finding.evidence.nodes.find((n) => n.name === node) ?? null;
      const pods = finding.pods.filter((p) => p.node === node);
      const existing = byNode.get(node);
      if (existing) {
        existing.pods.push(...pods.filter((p) => !existing.pods.some((q) => samePod(p, q))));
        continue;
      }
      byNode.set(node, {
        node,
        rootCause: evidence?.inspection?.verdict.rootCause ?? finding.rootCause,
        cni: finding.cni,
        evidence,
        finding,
        pods: [...pods],
      });
    }
  }
  return [...byNode.values()]
    .map((c) => ({ ...c, pods: [...c.pods].sort((a, b) => podKey(a).localeCompare(podKey(b))) }))
    .sort((a, b) => (a.node < b.node ? -1 : a.node > b.node ? 1 : 0));
}

const podKey = (p: PodRef) => `${p.namespace}/${p.name}`;
const samePod = (a: PodRef, b: PodRef) => a.namespace === b.namespace && a.name === b.name;

function whyNotAutomatic(c: NodeCase): string | null {
  if (!AUTOMATIC.has(c.rootCause)) {
    return `No automatic fix for ${c.rootCause} on ${c.node}: ${c.finding.summary}. Check the evidence and the suggested commands, then fix by hand.`;
  }
  const agentName = c.evidence?.agentName ?? null;
  if (agentName !== "calico-node" && c.rootCause !== "shadowing-cni-config") {
    return `${c.rootCause} on ${c.node}: automatic fixes restart calico-node only; this node's CNI agent is ${agentName ?? "unknown"}. Restart it by hand.`;
  }
  if (!c.evidence?.inspection) {
    const why = c.evidence?.notInspectedReason ? ` (${c.evidence.notInspectedReason.message})` : "";
    return `${c.rootCause} on ${c.node}: its CNI files were not inspected${why}, so no plan can say what it would move or verify the token afterwards. Re-run with a nodes file (--nodes-file) that reaches ${c.node}.`;
  }
  // A verdict resting on files the node would not let cni-doctor read is a guess: never move files on a guess.
  const unread =
    c.evidence.inspection.kubeconfig?.unreadable ?? c.evidence.inspection.configFiles[0]?.unreadable;
  if (unread) {
    return `${c.rootCause} on ${c.node} is a cluster-side guess: ${unread.message} No plan is made from files that could not be read.`;
  }
  if (c.rootCause !== "shadowing-cni-config" && !c.evidence.agent) {
    return `${c.rootCause} on ${c.node}: no ${agentName} pod runs there to restart. Check why its DaemonSet does not schedule one (taints, nodeSelector, the DaemonSet's events).`;
  }
  return null;
}

function describeWhyDown(evidence: NodeEvidence | null): string[] {
  const agent = evidence?.agent;
  if (!agent) return ["no agent pod on the node"];
  const lines = [
    `pod ${agent.namespace}/${agent.pod}: phase ${agent.phase}, ready ${agent.ready}, ${agent.restarts} restarts`,
  ];
  for (const c of agent.containers) {
    const last = c.lastTermination
      ? `; last terminated: ${c.lastTermination.reason}, exit code ${c.lastTermination.exitCode}${c.lastTermination.finishedAt ? ` at ${c.lastTermination.finishedAt}` : ""}`
      : "";
    lines.push(`container ${c.name}: ${c.state}, ${c.restartCount} restarts${last}`);
  }
  return lines;
}

/**
 * Which conf dir entries go. For a stale config: Calico's files (calico-kubeconfig, Calico's network configs, anything
 * named calico) and any config of another CNI that sorts before Calico's (it shadows it). For a shadowing config: only
 * the shadowing files. Multus (a delegating meta-plugin) and other CNIs' files sorting after Calico's stay.
 */
function filesToQuarantine(c: NodeCase, backupRoot: string, backupDir: string): QuarantineDetail {
  const inspection = c.evidence?.inspection;
  if (!inspection) throw new Error(`planning quarantine on ${c.node} without its inspection`);
  const entries = inspection.confDir.entries;
  const reasons: Record<string, string> = {};
  const firstCalico = inspection.configFiles.findIndex((f) => f.cni === "calico");
  const shadowing = inspection.configFiles.filter(
    (f, i) =>
      (firstCalico === -1 || i < firstCalico) &&
      f.cni !== "calico" &&
      !DELEGATING_CNIS.includes(f.cni) &&
      f.cni !== "unknown",
  );
  for (const f of shadowing) {
    reasons[f.name] =
      firstCalico === -1
        ? `${f.cni} config the runtime uses, though no ${f.cni} agent runs`
        : `${f.cni} config sorting before ${inspection.configFiles[firstCalico]?.name}, which it shadows`;
  }
  if (c.rootCause === "stale-cni-config") {
    for (const f of inspection.configFiles)
      if (f.cni === "calico") reasons[f.name] = "Calico network config from an earlier cluster";
    for (const e of entries) {
      if (e.name === "calico-kubeconfig") reasons[e.name] = "Calico CNI kubeconfig from an earlier cluster";
      else if (/calico/i.test(e.name) && !reasons[e.name])
        reasons[e.name] = "Calico file install-cni rewrites";
    }
  }
  const present = new Map(entries.map((e) => [e.name, e]));
  const files = Object.keys(reasons)
    .filter((name) => present.has(name))
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return {
    cniConfDir: inspection.cniConfDir,
    backupRoot,
    backupDir,
    files,
    regularFiles: files.filter((f) => present.get(f)?.type === "file"),
    reasons: Object.fromEntries(files.map((f) => [f, reasons[f] ?? ""])),
  };
}

/** The node commands of a quarantine, in the order the runner sends them. */
export function quarantineTemplates(q: QuarantineDetail): CommandTemplate<unknown>[] {
  const within = [q.cniConfDir, q.backupDir];
  const sources = q.files.map((f) => `${q.cniConfDir}/${f}`);
  const templates: CommandTemplate<unknown>[] = [
    makeBackupDirectory(q.backupDir, { within: [q.backupRoot] }),
    listDirectory(q.backupDir, { within: [q.backupDir] }),
  ];
  if (q.regularFiles.length > 0) {
    templates.push(
      checksumFiles(
        q.regularFiles.map((f) => `${q.cniConfDir}/${f}`),
        { within },
      ),
    );
  }
  templates.push(moveIntoDirectory(sources, q.backupDir, { within }));
  if (q.regularFiles.length > 0) {
    templates.push(
      checksumFiles(
        q.regularFiles.map((f) => `${q.backupDir}/${f}`),
        { within },
      ),
    );
  }
  templates.push(listDirectory(q.cniConfDir, { within: [q.cniConfDir] }));
  return templates;
}

function quarantineCommands(q: QuarantineDetail, render: (t: CommandTemplate<unknown>) => string): string[] {
  return quarantineTemplates(q).map(render);
}

/** The parts of the Diagnosis a plan rests on, without counts, timestamps of the check or free text. */
function evidenceBasis(diagnosis: Diagnosis, cases: NodeCase[]): EvidenceBasis {
  return {
    cluster: {
      context: diagnosis.cluster.context,
      server: diagnosis.cluster.server,
      caFingerprint: diagnosis.cluster.caFingerprint,
    },
    scope: diagnosis.scope,
    nodes: cases.map((c) => {
      const i = c.evidence?.inspection ?? null;
      const k = i?.kubeconfig ?? null;
      return {
        node: c.node,
        rootCause: c.rootCause,
        cni: c.cni,
        agent: c.evidence?.agent
          ? { namespace: c.evidence.agent.namespace, pod: c.evidence.agent.pod }
          : null,
        confDir: i
          ? i.confDir.entries.map((e) => ({
              name: e.name,
              type: e.type,
              sizeBytes: e.sizeBytes,
              modifiedAt: e.modifiedAt,
            }))
          : null,
        activeConfig: i?.activeConfig ?? null,
        kubeconfig: k
          ? {
              status: k.status,
              caFingerprint: k.caFingerprint,
              token: k.token?.fingerprint ?? null,
              review: k.token?.review.status ?? null,
            }
          : null,
      };
    }),
    pods: cases
      .flatMap((c) => c.pods)
      .map((p) => ({ pod: podKey(p), node: p.node, reason: p.reason, owner: p.owner ? ownerKey(p) : null }))
      .sort((a, b) => a.pod.localeCompare(b.pod)),
  };
}
