/**
 * Renders a Diagnosis for a terminal. Pure. Everything that came from the cluster (names, event messages) has its
 * control characters removed first, so a crafted event cannot rewrite the operator's screen.
 */
import type { Diagnosis, Finding, NodeEvidence } from "../../diagnosis/index.ts";
import { stripControlCharacters as clean, ROOT_CAUSE_TITLES } from "../../diagnosis/index.ts";
import { shortFingerprint } from "../../kube/types.ts";
import type { Style } from "./style.ts";

const MAX_PODS_SHOWN = 10;

export function renderDiagnosisText(d: Diagnosis, style: Style, now = new Date(d.checkedAt)): string {
  const lines: string[] = [];
  lines.push(
    `${style.dim("cluster")}  ${style.bold(clean(d.cluster.context))}  ${clean(d.cluster.server)}  CA ${shortFingerprint(d.cluster.caFingerprint)}`,
  );
  const scope = [
    d.scope.namespace && `namespace ${d.scope.namespace}`,
    d.scope.node && `node ${d.scope.node}`,
  ]
    .filter(Boolean)
    .join(", ");
  lines.push(
    `${style.dim("checked")}  ${d.checkedAt}${scope ? ` (${clean(scope)})` : ""}: ${d.checked.nodes} nodes, ${d.checked.pendingPods} pending pods, ${d.checked.sandboxEvents} sandbox events; CNI agents: ${d.checked.cniAgents.map(clean).join(", ") || "none found"}`,
  );
  lines.push("");
  if (d.healthy) {
    lines.push(
      style.green("✓ Healthy: no pod is stuck on a CNI sandbox failure and every node is network-ready."),
    );
  }
  for (const f of d.findings) lines.push(...renderFinding(f, style, now), "");
  if (d.errors.length > 0) {
    lines.push(
      style.yellow(
        `! Incomplete: ${d.errors.length} check${d.errors.length === 1 ? "" : "s"} failed, so this is not a clean bill of health.`,
      ),
    );
    for (const e of d.errors) lines.push(`  - ${clean(e.message)}`);
    lines.push("");
  }
  return `${lines.join("\n").trimEnd()}\n`;
}

function renderFinding(f: Finding, style: Style, now: Date): string[] {
  const label = (s: string) => style.dim(s.padEnd(11));
  const out = [style.red(style.bold(`✗ ${clean(f.summary)}`))];
  out.push(
    `  ${label("root cause")}${style.bold(f.rootCause)} — ${ROOT_CAUSE_TITLES[f.rootCause]} (confidence: ${f.confidence})`,
  );
  out.push(`  ${label("family")}${f.family}, cni ${f.cni}`);
  out.push(`  ${label("nodes")}${f.nodes.map(clean).join(", ")}`);
  const shown = f.pods.slice(0, MAX_PODS_SHOWN);
  shown.forEach((p, i) => {
    out.push(
      `  ${label(i === 0 ? "pods" : "")}${clean(`${p.namespace}/${p.name}`)} on ${clean(p.node)}, ${p.reason}${p.owner ? `, owned by ${clean(`${p.owner.kind}/${p.owner.name}`)}` : ", bare pod"}`,
    );
  });
  if (f.pods.length > shown.length) out.push(`  ${label("")}and ${f.pods.length - shown.length} more`);
  const e = f.evidence.event;
  if (e) {
    out.push(
      `  ${label("event")}${e.reason} ×${f.evidence.eventCount}, first seen ${ago(f.evidence.firstSeen, now)}, last ${ago(f.evidence.lastSeen, now)}, on ${clean(e.pod)}:`,
    );
    out.push(`  ${label("")}${style.dim(clean(e.message))}`);
  }
  f.evidence.facts.forEach((fact, i) => {
    out.push(`  ${label(i === 0 ? "evidence" : "")}- ${clean(fact)}`);
  });
  for (const n of f.evidence.nodes) {
    out.push(`  ${label("node")}${renderNode(n)}`);
    for (const line of renderInspection(n)) out.push(`  ${label("")}${style.dim(clean(line))}`);
  }
  f.suggestedChecks.forEach((c, i) => {
    out.push(`  ${label(i === 0 ? "to confirm" : "")}$ ${clean(c)}`);
  });
  return out;
}

function renderNode(n: NodeEvidence): string {
  const ready = n.ready
    ? `Ready=${n.ready.status}${n.ready.reason ? ` (${n.ready.reason})` : ""}`
    : "Ready unknown";
  const net =
    n.networkUnavailable?.status === "True" ? `, NetworkUnavailable (${n.networkUnavailable.reason})` : "";
  const agent = n.agent
    ? `${n.agentName} ${n.agent.pod} ${n.agent.ready ? "Ready" : "not Ready"}, ${n.agent.restarts} restarts${n.agent.containers
        .filter((c) => !c.state.startsWith("running"))
        .map((c) => `, ${c.name} ${c.state}`)
        .join("")}`
    : n.agentName
      ? `no ${n.agentName} pod on this node`
      : "no known CNI agent";
  return clean(`${n.name}: ${ready}${net}; ${agent}`);
}

/** What the node's files showed, a few lines per node; secrets never reach here (only claims and fingerprints). */
export function renderInspection(n: NodeEvidence): string[] {
  if (n.notInspectedReason) {
    return [`files not inspected (${n.notInspectedReason.kind}): ${n.notInspectedReason.message}`];
  }
  const i = n.inspection;
  if (!i) return [];
  const lines: string[] = [];
  if (i.confDir.status === "missing") lines.push(`files: ${i.cniConfDir} does not exist`);
  else {
    const active = i.configFiles[0];
    lines.push(
      `files: ${i.cniConfDir} has ${i.confDir.entries.length} entries; runtime uses ${active ? `${active.name} (${active.cni})` : "none"}${
        i.configFiles.length > 1
          ? `, then ${i.configFiles
              .slice(1)
              .map((c) => `${c.name} (${c.cni})`)
              .join(", ")}`
          : ""
      }`,
    );
  }
  const k = i.kubeconfig;
  if (k && k.status !== "ok") lines.push(`${k.path}: ${k.status}${k.problem ? ` (${k.problem})` : ""}`);
  if (k && k.status === "ok") {
    const ca = k.caFingerprint
      ? `CA ${shortFingerprint(k.caFingerprint)}${k.caMatchesCluster === false ? " (NOT this cluster's)" : k.caMatchesCluster ? " (this cluster's)" : ""}`
      : k.insecureSkipTlsVerify
        ? "no CA (insecure-skip-tls-verify)"
        : "no CA";
    lines.push(`${k.path}: written by ${k.writer}, modified ${k.modifiedAt ?? "?"}; ${ca}`);
    const t = k.token;
    if (t) {
      const c = t.claims;
      const sa = c?.serviceAccount;
      lines.push(
        `token ${t.fingerprint}: ${c ? `iss ${c.issuer ?? "-"}, ${c.subject ?? "no subject"}${sa?.uid ? ` (uid ${sa.uid})` : ""}${c.pod ? `, bound to pod ${c.pod.name}` : ""}, iat ${c.issuedAt ?? "-"}, exp ${c.expiresAt ?? "never"}` : (t.problem ?? "not decodable")}`,
      );
      const live =
        t.liveServiceAccount.status === "found"
          ? `live service account uid ${t.liveServiceAccount.uid}${t.liveServiceAccount.matchesToken === false ? " (differs)" : ""}`
          : t.liveServiceAccount.status === "missing"
            ? "service account missing"
            : `service account not checked (${t.liveServiceAccount.reason})`;
      const review =
        t.review.status === "authenticated"
          ? "TokenReview: accepted"
          : t.review.status === "rejected"
            ? `TokenReview: rejected${t.review.error ? ` — ${t.review.error}` : ""}`
            : `TokenReview: not asked (${t.review.reason})`;
      lines.push(`${review}; ${live}`);
    }
  }
  if (i.clock) {
    const sign = i.clock.offsetMs >= 0 ? "+" : "-";
    lines.push(
      `clock: node ${sign}${Math.abs(i.clock.offsetMs / 1000).toFixed(1)} s vs ${i.clock.reference === "api-server" ? "the API server" : "this machine"} (± ${Math.ceil(i.clock.uncertaintyMs)} ms)`,
    );
  }
  for (const p of i.problems) lines.push(`could not check: ${p}`);
  return lines;
}

/** "3m ago" style, as kubectl prints ages. */
export function ago(iso: string | null, now: Date): string {
  if (!iso) return "unknown";
  const seconds = Math.max(0, Math.round((now.getTime() - Date.parse(iso)) / 1000));
  if (seconds < 120) return `${seconds}s ago`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 120) return `${minutes}m ago`;
  const hours = Math.round(minutes / 60);
  return hours < 48 ? `${hours}h ago` : `${Math.round(hours / 24)}d ago`;
}
