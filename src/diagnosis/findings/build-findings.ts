/**
 * Turns gathered evidence into findings: stuck pods with their latest sandbox event, classified, grouped per node,
 * given a root cause (the family's cluster-side verdict, refined by node forensics where the node was inspected),
 * then merged across nodes that share family, CNI and root cause. Pure.
 */
import type { CoreV1Event, V1Node, V1Pod } from "../../kube/types.ts";
import type { DetectedAgent } from "../evidence/cluster-evidence.ts";
import type { NodeInspectionOutcome } from "../evidence/node-inspections.ts";
import { clusterSideRootCause, familyGuide } from "../families/index.ts";
import { refineRootCause } from "../forensics/refine-root-cause.ts";
import type { Classification, CniPlugin, Family } from "../message/classification.ts";
import {
  type EventSample,
  type Finding,
  type NodeEvidence,
  ROOT_CAUSE_TITLES,
  type RootCause,
  type RootCauseVerdict,
} from "../model.ts";
import { agentStatus } from "./agent-status.ts";
import { eventTime, lastTime, lastTimeValue, minTime, toIso } from "./event-times.ts";
import type { NodeSignal, StuckPod } from "./stuck-pods.ts";

const MAX_EVENT_MESSAGE = 2000;

export interface AnalysisInput {
  stuck: StuckPod[];
  nodeSignals: NodeSignal[];
  nodes: V1Node[];
  agents: DetectedAgent[];
  agentPods: Map<string, { agent: DetectedAgent; pod: V1Pod | null }[]>;
  /** Node forensics by node name; nodes absent here keep their cluster-side root cause. */
  inspections?: ReadonlyMap<string, NodeInspectionOutcome>;
  now: Date;
}

/** Per-node forensic lines kept in a finding's facts; the rest stay in each node's own inspection. */
const MAX_NODES_WITH_FACTS = 5;

interface Group {
  node: string;
  family: Family;
  cni: CniPlugin;
  pods: StuckPod[];
  signals: NodeSignal[];
}

export function buildFindings(input: AnalysisInput): Finding[] {
  const groups = new Map<string, Group>();
  const groupFor = (node: string, c: Classification): Group => {
    const key = `${node}\u0000${c.family}\u0000${c.cni}`;
    let g = groups.get(key);
    if (!g) {
      g = { node, family: c.family, cni: c.cni, pods: [], signals: [] };
      groups.set(key, g);
    }
    return g;
  };
  for (const s of input.stuck) groupFor(s.ref.node, s.classification).pods.push(s);
  for (const s of input.nodeSignals) groupFor(s.node, s.classification).signals.push(s);

  const deployedCnis = [...new Set(input.agents.map((a) => a.kind.cni))];
  const nodesByName = new Map(input.nodes.map((n) => [n.metadata?.name ?? "", n]));
  const merged = new Map<
    string,
    { verdict: RootCauseVerdict; groups: Group[]; nodes: NodeEvidence[]; facts: string[] }
  >();
  for (const g of groups.values()) {
    const node = nodesByName.get(g.node);
    const nodeEvidence = describeNode(g.node, node, g.cni, input);
    const clusterVerdict = clusterSideRootCause({
      family: g.family,
      cni: g.cni,
      agent: nodeEvidence.agent,
      agentName: nodeEvidence.agentName,
      deployedCnis,
    });
    const verdict = applyInspection(g, clusterVerdict, nodeEvidence, node, deployedCnis, input);
    // Nodes are regrouped by the refined cause: one node may hold a stale config while another's token expired. A
    // node whose files proved the cause never shares a finding with one where it is a cluster-side guess.
    const basis = nodeEvidence.inspection !== null ? "files" : "cluster";
    const key = `${g.family}\u0000${g.cni}\u0000${verdict.rootCause}\u0000${basis}`;
    const entry = merged.get(key) ?? { verdict, groups: [], nodes: [], facts: [] };
    entry.groups.push(g);
    entry.nodes.push(nodeEvidence);
    const nodeSpecific = nodeEvidence.inspection !== null || nodeEvidence.notInspectedReason !== null;
    if (!nodeSpecific || entry.groups.length <= MAX_NODES_WITH_FACTS) {
      for (const fact of verdict.facts) if (!entry.facts.includes(fact)) entry.facts.push(fact);
    }
    // Keep the weakest confidence among the merged nodes: the finding is only as sure as its least sure node.
    if (rank(verdict.confidence) < rank(entry.verdict.confidence)) entry.verdict = verdict;
    merged.set(key, entry);
  }
  for (const entry of merged.values()) {
    const more = entry.groups.length - MAX_NODES_WITH_FACTS;
    if (more > 0 && entry.nodes.some((n) => n.inspection !== null)) {
      entry.facts.push(
        `${more} more node${more === 1 ? "" : "s"} show the same; see each node's inspection.`,
      );
    }
    entry.verdict = { ...entry.verdict, facts: entry.facts };
  }
  return [...merged.values()]
    .map(({ verdict, groups: gs, nodes }) => toFinding(verdict, gs, nodes))
    .sort(byImpact);
}

function toFinding(verdict: RootCauseVerdict, groups: Group[], nodeEvidence: NodeEvidence[]): Finding {
  const first = groups[0] as Group;
  const stuck = groups.flatMap((g) => g.pods);
  const events = stuck.map((s) => s.event);
  const latest = events.reduce<CoreV1Event | null>(
    (a, e) => (a && eventTime(a) >= eventTime(e) ? a : e),
    null,
  );
  const firstSeen = minTime(events.map((e) => e.firstTimestamp ?? e.eventTime ?? null));
  const lastSeen = minTime(events.map(lastTimeValue), true);
  const nodes = [...new Set(groups.map((g) => g.node))].sort();
  const classification = stuck[0]?.classification ?? groups.flatMap((g) => g.signals)[0]?.classification;
  const nodeAgent = nodeEvidence.find((e) => e.agentName !== null)?.agentName ?? null;
  const guide = familyGuide(first.family, first.cni, classification?.details ?? {}, nodeAgent);
  const facts = [...verdict.facts];
  const signal = groups.flatMap((g) => g.signals)[0];
  if (signal) facts.push(`Node ${signal.node} reports: ${truncate(signal.message, 300)}`);
  return {
    family: first.family,
    cni: first.cni,
    rootCause: verdict.rootCause,
    confidence: verdict.confidence,
    summary: summaryLine(verdict.rootCause, first.cni, nodes, stuck.length),
    nodes,
    pods: stuck
      .map((s) => s.ref)
      .sort((a, b) => `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`)),
    evidence: {
      event: latest ? sampleOf(latest) : null,
      eventCount: events.reduce((n, e) => n + (e.count ?? 1), 0),
      firstSeen,
      lastSeen,
      nodes: nodeEvidence.sort((a, b) => a.name.localeCompare(b.name)),
      facts,
    },
    suggestedChecks:
      nodes.length > 0 ? guide.checks.map((c) => c.replaceAll("<node>", nodes[0] as string)) : guide.checks,
  };
}

/**
 * Folds a node's forensics into its verdict (pure): the refined root cause, its evidence lines prefixed with the
 * node's name, and the inspection recorded on the node's evidence. A node that could not be inspected keeps the
 * cluster-side verdict, with the reason added.
 */
function applyInspection(
  g: Group,
  clusterVerdict: RootCauseVerdict,
  nodeEvidence: NodeEvidence,
  node: V1Node | undefined,
  deployedCnis: CniPlugin[],
  input: AnalysisInput,
): RootCauseVerdict {
  const outcome = input.inspections?.get(g.node);
  if (outcome === undefined) return clusterVerdict;
  if (outcome.status === "not-inspected") {
    nodeEvidence.notInspectedReason = outcome.reason;
    return {
      ...clusterVerdict,
      facts: [
        ...clusterVerdict.facts,
        `${g.node} was not inspected (${outcome.reason.kind}): ${outcome.reason.message}`,
      ],
    };
  }
  const nodeVerdict = refineRootCause({
    family: g.family,
    cni: g.cni,
    clusterVerdict,
    forensics: outcome.forensics,
    agent: nodeEvidence.agent,
    agentName: nodeEvidence.agentName,
    deployedCnis,
    nodeCreatedAt: toIso(node?.metadata?.creationTimestamp),
    now: input.now,
  });
  nodeEvidence.inspection = { ...outcome.forensics, verdict: nodeVerdict };
  return { ...nodeVerdict, facts: nodeVerdict.facts.map((f) => `${g.node}: ${f}`) };
}

function describeNode(
  name: string,
  node: V1Node | undefined,
  cni: CniPlugin,
  input: AnalysisInput,
): NodeEvidence {
  const ready = node?.status?.conditions?.find((c) => c.type === "Ready");
  const netUnavailable = node?.status?.conditions?.find((c) => c.type === "NetworkUnavailable");
  const onNode = input.agentPods.get(name) ?? [];
  // The agent that matters is the one of the failing CNI; if that CNI has no agent here, the cluster's own agent.
  const match = onNode.find((a) => a.agent.kind.cni === cni) ?? onNode[0];
  return {
    name,
    ready: ready
      ? { status: ready.status, reason: ready.reason ?? null, message: ready.message ?? null }
      : null,
    networkUnavailable: netUnavailable
      ? { status: netUnavailable.status, reason: netUnavailable.reason ?? null }
      : null,
    agent: match?.pod ? agentStatus(match.pod) : null,
    agentName: match?.agent.kind.name ?? null,
    inspection: null,
    notInspectedReason: null,
  };
}

function summaryLine(rootCause: RootCause, cni: CniPlugin, nodes: string[], pods: number): string {
  const where = nodes.length === 1 ? `node ${nodes[0]}` : `${nodes.length} nodes`;
  const stuck =
    pods > 0 ? `${pods} pod${pods === 1 ? "" : "s"} stuck on ${where}` : `${where} not network-ready`;
  return `${stuck}: ${ROOT_CAUSE_TITLES[rootCause]}${cni !== "unknown" ? ` (${cni})` : ""}`;
}

function sampleOf(e: CoreV1Event): EventSample {
  return {
    reason: e.reason ?? "",
    type: e.type ?? "",
    message: truncate(e.message ?? "", MAX_EVENT_MESSAGE),
    count: e.count ?? 1,
    firstSeen: toIso(e.firstTimestamp ?? e.eventTime),
    lastSeen: lastTime(e),
    pod: `${e.involvedObject.namespace}/${e.involvedObject.name}`,
  };
}

function rank(c: "high" | "medium" | "low"): number {
  return c === "high" ? 2 : c === "medium" ? 1 : 0;
}

function byImpact(a: Finding, b: Finding): number {
  return (
    b.pods.length - a.pods.length || b.nodes.length - a.nodes.length || a.rootCause.localeCompare(b.rootCause)
  );
}

function truncate(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, max)}… (${s.length - max} more characters)` : s;
}
