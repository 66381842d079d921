/**
 * A Diagnosis as Slack messages: a summary for the thread, and one message per finding with its evidence. Pure.
 * Every string from the cluster goes through escapeMrkdwn/code; long lists end in "and N more", and `truncated`
 * tells the caller to attach the full Diagnosis as a file.
 */
import type { Diagnosis, Finding, NodeEvidence } from "../../diagnosis/index.ts";
import { ROOT_CAUSE_TITLES } from "../../diagnosis/index.ts";
import { shortFingerprint } from "../../kube/types.ts";
import { clusterContext, clusterLine, clusterPlain } from "./cluster.ts";
import { capList, fitMessage } from "./limits.ts";
import { code, codeBlock, escapeMrkdwn, plural } from "./mrkdwn.ts";
import { type Block, button, context, divider, type Message, section } from "./types.ts";

const MAX_FINDINGS = 8;
const MAX_PODS = 10;
const MAX_FACTS = 8;
const MAX_NODES = 8;
const MAX_CHECKS = 5;

export interface RenderedDiagnosis {
  summary: Message;
  findings: Message[];
  /** Something was left out: attach the full Diagnosis. */
  truncated: boolean;
}

export function renderDiagnosis(d: Diagnosis): RenderedDiagnosis {
  const { shown, more } = capList(d.findings, MAX_FINDINGS);
  let truncated = more > 0;
  const findings = shown.map((f, i) => {
    const rendered = renderFinding(f, i + 1, d.findings.length, d);
    truncated ||= rendered.truncated;
    const fitted = fitMessage(rendered.message);
    truncated ||= fitted.cut;
    return fitted.message;
  });
  const summary = fitMessage(renderSummary(d, more));
  return { summary: summary.message, findings, truncated: truncated || summary.cut };
}

/** The card's buttons: Fix… proposes a plan from the card's diagnosis, Details posts its evidence. */
export const CARD_ACTIONS = { fix: "cni_card_fix", details: "cni_card_details" } as const;
const CARD_VERDICTS = 3;

/**
 * A diagnosis as a card of at most 8 lines: the headline, a verdict line per finding (root cause, nodes, confidence),
 * what was checked, the cluster once, and the buttons. Fix… only when a plan exists (`fixable`); the evidence is
 * behind Details (renderDiagnosis), not in the channel's way.
 */
export function renderCard(d: Diagnosis, options: { cardId: string; fixable: boolean }): Message {
  const { shown, more } = capList(d.findings, CARD_VERDICTS);
  const verdicts = shown.map(
    (f) =>
      `${code(f.rootCause)} on ${f.nodes.map((n) => code(n)).join(", ") || "no node"}: ${escapeMrkdwn(ROOT_CAUSE_TITLES[f.rootCause])}; ${plural(f.pods.length, "stuck pod")} (confidence ${f.confidence})`,
  );
  if (more > 0) verdicts.push(`…and ${plural(more, "more finding")} (Details)`);
  if (d.errors.length > 0)
    verdicts.push(`:warning: incomplete: ${plural(d.errors.length, "check")} failed (Details says which)`);
  const blocks: Block[] = [section([`*Diagnosis*: ${diagnosisHeadline(d)}`, ...verdicts].join("\n"))];
  blocks.push(
    context(
      `checked ${plural(d.checked.nodes, "node")}, ${plural(d.checked.pendingPods, "pending pod")}, ${plural(d.checked.sandboxEvents, "sandbox event")}; CNI agents: ${d.checked.cniAgents.map((a) => code(a)).join(", ") || "none found"} · ${clusterLine(d.cluster)}`,
    ),
  );
  const buttons = [
    ...(options.fixable ? [button("Fix…", CARD_ACTIONS.fix, options.cardId, "primary")] : []),
    ...(d.healthy && d.errors.length === 0 ? [] : [button("Details", CARD_ACTIONS.details, options.cardId)]),
  ];
  if (buttons.length > 0) blocks.push({ type: "actions", elements: buttons });
  return {
    text: `cni-doctor diagnosis of ${clusterPlain(d.cluster)}: ${stripEmoji(diagnosisHeadline(d))}`,
    blocks,
  };
}

/** One line for the channel's parent message and for `/cni status`. */
export function diagnosisHeadline(d: Diagnosis): string {
  if (d.healthy)
    return ":white_check_mark: healthy: no pod is stuck on a CNI failure, every node is network-ready";
  const pods = new Set(d.findings.flatMap((f) => f.pods.map((p) => `${p.namespace}/${p.name}`))).size;
  const nodes = new Set(d.findings.flatMap((f) => f.nodes)).size;
  const causes = [...new Set(d.findings.map((f) => f.rootCause))].map((c) => code(c)).join(", ");
  const parts = [
    d.findings.length > 0
      ? `:red_circle: ${plural(d.findings.length, "finding")}: ${plural(pods, "stuck pod")} on ${plural(nodes, "node")} (${causes})`
      : ":large_yellow_circle: no findings",
  ];
  if (d.errors.length > 0) parts.push(`${plural(d.errors.length, "check")} failed, so this is incomplete`);
  return parts.join("; ");
}

function renderSummary(d: Diagnosis, moreFindings: number): Message {
  const scope = [
    d.scope.namespace && `namespace ${code(d.scope.namespace)}`,
    d.scope.node && `node ${code(d.scope.node)}`,
  ]
    .filter(Boolean)
    .join(", ");
  const blocks: Block[] = [
    section(`*Diagnosis*${scope ? ` (${scope})` : ""}: ${diagnosisHeadline(d)}`),
    context(
      `checked ${escapeMrkdwn(d.checkedAt)}: ${plural(d.checked.nodes, "node")}, ${plural(d.checked.pendingPods, "pending pod")}, ${plural(d.checked.sandboxEvents, "sandbox event")}; CNI agents: ${d.checked.cniAgents.map((a) => code(a)).join(", ") || "none found"}`,
    ),
    clusterContext(d.cluster),
  ];
  if (moreFindings > 0)
    blocks.push(context(`…and ${moreFindings} more findings, in the attached diagnosis.json.`));
  if (d.errors.length > 0) {
    const { shown, more } = capList(d.errors, 5);
    blocks.push(
      section(
        [
          `:warning: *Incomplete*: ${plural(d.errors.length, "check")} failed, so this is not a clean bill of health.`,
          ...shown.map((e) => `• could not ${escapeMrkdwn(e.operation)}: ${escapeMrkdwn(e.message)}`),
          ...(more > 0 ? [`…and ${more} more`] : []),
        ].join("\n"),
      ),
    );
  }
  return {
    text: `cni-doctor diagnosis of ${clusterPlain(d.cluster)}: ${stripEmoji(diagnosisHeadline(d))}`,
    blocks,
  };
}

function renderFinding(
  f: Finding,
  index: number,
  total: number,
  d: Diagnosis,
): { message: Message; truncated: boolean } {
  let truncated = false;
  const blocks: Block[] = [];
  blocks.push(
    section(
      [
        `*Finding ${index} of ${total}: ${escapeMrkdwn(f.summary)}*`,
        `root cause ${code(f.rootCause)}: ${escapeMrkdwn(ROOT_CAUSE_TITLES[f.rootCause])} (confidence ${f.confidence}; ${escapeMrkdwn(f.family)}, CNI ${escapeMrkdwn(f.cni)})`,
        `nodes: ${f.nodes.map((n) => code(n)).join(", ") || "none"}`,
      ].join("\n"),
    ),
  );
  const pods = capList(f.pods, MAX_PODS);
  truncated ||= pods.more > 0;
  if (f.pods.length > 0) {
    blocks.push(
      section(
        [
          `*Stuck pods* (${f.pods.length})`,
          ...pods.shown.map(
            (p) =>
              `• ${code(`${p.namespace}/${p.name}`)} on ${code(p.node)}, ${escapeMrkdwn(p.reason)}${p.owner ? `, owned by ${code(`${p.owner.kind}/${p.owner.name}`)}` : ", bare pod (not recreated by a controller)"}`,
          ),
          ...(pods.more > 0 ? [`…and ${pods.more} more`] : []),
        ].join("\n"),
      ),
    );
  }
  const e = f.evidence.event;
  if (e) {
    blocks.push(
      section(
        `*Event* ${code(e.reason)} ×${f.evidence.eventCount} on ${code(e.pod)}, last seen ${escapeMrkdwn(f.evidence.lastSeen ?? "?")}:\n${codeBlock([e.message])}`,
      ),
    );
  }
  const facts = capList(f.evidence.facts, MAX_FACTS);
  truncated ||= facts.more > 0;
  if (f.evidence.facts.length > 0) {
    blocks.push(
      section(
        [
          "*Evidence*",
          ...facts.shown.map((fact) => `• ${escapeMrkdwn(fact)}`),
          ...(facts.more > 0 ? [`…and ${facts.more} more`] : []),
        ].join("\n"),
      ),
    );
  }
  const nodes = capList(f.evidence.nodes, MAX_NODES);
  truncated ||= nodes.more > 0;
  for (const n of nodes.shown) blocks.push(section(renderNode(n)));
  if (nodes.more > 0) blocks.push(context(`…and ${nodes.more} more nodes`));
  const checks = capList(f.suggestedChecks, MAX_CHECKS);
  if (f.suggestedChecks.length > 0) {
    blocks.push(context(`To confirm by hand:`), section(codeBlock(checks.shown)));
  }
  blocks.push(clusterContext(d.cluster), divider());
  return {
    message: { text: `Finding ${index} of ${total}: ${escapeMrkdwn(f.summary)}`, blocks },
    truncated,
  };
}

function renderNode(n: NodeEvidence): string {
  const ready = n.ready
    ? `Ready=${escapeMrkdwn(n.ready.status)}${n.ready.reason ? ` (${escapeMrkdwn(n.ready.reason)})` : ""}`
    : "Ready unknown";
  const agent = n.agent
    ? `${code(n.agent.pod)} ${n.agent.ready ? "Ready" : "*not Ready*"}, ${plural(n.agent.restarts, "restart")}`
    : n.agentName
      ? `no ${code(n.agentName)} pod on this node`
      : "no known CNI agent";
  const lines = [`*Node* ${code(n.name)}: ${ready}; agent ${agent}`];
  if (n.notInspectedReason) {
    lines.push(
      `files not inspected (${escapeMrkdwn(n.notInspectedReason.kind)}): ${escapeMrkdwn(n.notInspectedReason.message)}`,
    );
  }
  const i = n.inspection;
  if (i) {
    lines.push(
      `files: ${code(i.cniConfDir)} has ${plural(i.confDir.entries.length, "entry", "entries")}; the runtime uses ${i.activeConfig ? code(i.activeConfig) : "none"}`,
    );
    const k = i.kubeconfig;
    if (k?.status === "ok") {
      lines.push(
        `${code(k.path)}: CA ${code(shortFingerprint(k.caFingerprint))}${k.caMatchesCluster === false ? " *(not this cluster's CA)*" : k.caMatchesCluster ? " (this cluster's)" : ""}${k.token ? `; token ${code(k.token.fingerprint)}, expires ${escapeMrkdwn(k.token.claims?.expiresAt ?? "never")}, TokenReview ${escapeMrkdwn(k.token.review.status)}` : ""}`,
      );
    } else if (k) {
      lines.push(
        `${code(k.path)}: ${escapeMrkdwn(k.status)}${k.problem ? ` (${escapeMrkdwn(k.problem)})` : ""}`,
      );
    }
  }
  return lines.join("\n");
}

/** The plain-text fallback carries no emoji codes. */
export function stripEmoji(text: string): string {
  return text.replace(/:[a-z_]+: ?/g, "");
}
