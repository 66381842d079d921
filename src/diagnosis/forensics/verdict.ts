/**
 * What every verdict on a node's files is built from: the input (the cluster-side verdict, the node's forensics, its
 * agent), keeping the cluster-side verdict with extra facts, and saying which files could not be read. Shared by the
 * CNI-independent rules in refine-root-cause.ts and each CNI's own rules in src/cni/<cni>/. Pure.
 */
import type { CniPlugin, Family } from "../message/classification.ts";
import type { AgentStatus, Confidence, RootCause, RootCauseVerdict } from "../model.ts";
import type { NodeForensics, NodeVerdict } from "./inspection.ts";

export interface RefineInput {
  family: Family;
  cni: CniPlugin;
  clusterVerdict: RootCauseVerdict;
  forensics: NodeForensics;
  agent: AgentStatus | null;
  agentName: string | null;
  deployedCnis: readonly CniPlugin[];
  /** When the Node object was created, i.e. when the node joined this cluster. */
  nodeCreatedAt: string | null;
  /** The diagnosis' clock. */
  now: Date;
}

export function keep(input: RefineInput, extra: string[]): NodeVerdict {
  // The cluster-side "not inspected" caveat no longer holds once the node was read.
  const facts = input.clusterVerdict.facts.filter((fact) => !fact.startsWith("Cluster-side guess"));
  return { ...input.clusterVerdict, facts: [...facts, ...extra] };
}

export function verdict(rootCause: RootCause, confidence: Confidence, facts: string[]): NodeVerdict {
  return { rootCause, confidence, facts };
}

/** Every file the node refused to let cni-doctor read, as one line each (what, why, what to change). */
export function unreadableLines(f: NodeForensics): string[] {
  return [
    ...f.configFiles.flatMap((c) => (c.unreadable ? [c.unreadable.message] : [])),
    ...(f.kubeconfig?.unreadable ? [f.kubeconfig.unreadable.message] : []),
  ];
}

/**
 * The files that would settle the cause could not be read: no verdict is guessed from them. The cluster-side verdict
 * and its confidence stand (never raised), exactly as for a node that was not inspected, and the facts lead with what
 * could not be read and why.
 */
export function keepUnread(input: RefineInput, f: NodeForensics): NodeVerdict {
  const cluster = input.clusterVerdict;
  const facts = cluster.facts.filter((fact) => !fact.startsWith("Cluster-side guess"));
  return {
    rootCause: cluster.rootCause,
    confidence: cluster.confidence === "high" ? "medium" : cluster.confidence,
    facts: [
      ...unreadableLines(f),
      ...facts,
      `Cluster-side guess only: ${f.node}'s CNI files were listed but not read, so a stale kubeconfig from an earlier cluster, an expired token and a revoked token cannot be told apart. Re-run once cni-doctor can read them.`,
    ],
  };
}

export function confDirFacts(f: NodeForensics): string[] {
  if (f.confDir.status === "missing") return [`${f.cniConfDir} does not exist on the node.`];
  if (f.configFiles.length === 0) return [`${f.cniConfDir} holds no .conf, .conflist or .json file.`];
  const active = f.configFiles[0];
  return active
    ? [
        `The runtime uses ${f.cniConfDir}/${active.name} (${active.cni}${active.problem ? `; ${active.problem}` : ""}).`,
      ]
    : [];
}

/** "3d 4h", "5h 12m", "42s": enough precision to compare with refresh windows by eye. */
export function duration(ms: number): string {
  if (!Number.isFinite(ms)) return "an unknown time";
  const s = Math.round(Math.abs(ms) / 1000);
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 120) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h ${m % 60}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}
