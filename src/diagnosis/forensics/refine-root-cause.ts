/**
 * Refines a cluster-side root cause with what the node's files show. Pure. The rules every CNI shares are here:
 * - shadowing: another CNI's config sorts first in the conf dir, or a delegating meta-plugin's (Multus) whose agent is
 *   no longer deployed;
 * - a missing config with the agent down: the agent is not running (it writes the config when it starts).
 * For the families whose cause lives in the CNI plugin's credentials, the CNI's own rules decide (Calico's in
 * src/cni/calico/credentials-verdict.ts), through the registry in src/cni/forensics.ts. Each verdict carries the
 * lines that prove it; none of them holds a secret. A file the node would not let cni-doctor read settles nothing:
 * the cluster-side verdict stays, the facts say which file, why and what to change.
 */
import { credentialVerdictFor } from "../../cni/forensics.ts";
import { agentKindForCni, DELEGATING_CNIS } from "../../cni/identity.ts";
import { describeAgent } from "../findings/agent-status.ts";
import type { Family } from "../message/classification.ts";
import type { NodeForensics, NodeVerdict } from "./inspection.ts";
import { confDirFacts, keep, type RefineInput, unreadableLines, verdict } from "./verdict.ts";

export type { RefineInput } from "./verdict.ts";

/** Families whose cause lives in the CNI plugin's credentials or trust, which the kubeconfig settles. */
const CREDENTIAL_FAMILIES: readonly Family[] = ["cni-credentials-rejected", "cni-apiserver-untrusted"];

export function refineRootCause(input: RefineInput): NodeVerdict {
  const refined = refineFromFiles(input);
  const suspicious = suspiciousNameFacts(input.forensics);
  return suspicious.length === 0 ? refined : { ...refined, facts: [...refined.facts, ...suspicious] };
}

/** Names no CNI writes: said once, never read or moved (see NodeForensics.suspiciousNames). */
function suspiciousNameFacts(f: NodeForensics): string[] {
  const names = f.suspiciousNames ?? [];
  if (names.length === 0) return [];
  return [
    `Suspicious: ${f.cniConfDir} holds ${names.length === 1 ? "a name" : `${names.length} names`} with control characters (${names.join(", ")}); no CNI writes such names. cni-doctor did not read or move ${names.length === 1 ? "it" : "them"}: look at ${names.length === 1 ? "it" : "them"} on the node (ls -b ${f.cniConfDir}).`,
  ];
}

function refineFromFiles(input: RefineInput): NodeVerdict {
  const { forensics: f, family } = input;
  if (family === "unknown") return keep(input, []);

  const shadowing = judgeShadowing(input);
  if (shadowing) return shadowing;

  const confFacts = confDirFacts(f);
  if (family === "cni-config-missing" || family === "cni-agent-not-running") {
    return judgeMissingConfigOrAgent(input, confFacts);
  }
  const judgeCredentials = CREDENTIAL_FAMILIES.includes(family) ? credentialVerdictFor(input.cni) : undefined;
  if (!judgeCredentials) return keepWithUnread(input, confFacts);
  return judgeCredentials(input, confFacts);
}

function judgeShadowing(input: RefineInput): NodeVerdict | null {
  const { forensics: f } = input;
  const active = f.configFiles[0];
  if (!active || active.problem !== null || input.deployedCnis.length === 0) return null;
  if (input.deployedCnis.includes(active.cni) || active.cni === "unknown") return null;
  if (DELEGATING_CNIS.includes(active.cni)) {
    // Only when the pods fail with its own error: a Multus that works (deployed under a name cni-doctor does not
    // know) relays its delegate's errors, which name the delegate.
    return input.cni === active.cni ? judgeLeftoverDelegate(input) : null;
  }
  const live = f.configFiles.filter((c) => input.deployedCnis.includes(c.cni));
  const unread = f.configFiles.filter((c) => c.unreadable);
  const entry = f.confDir.entries.find((e) => e.name === active.name);
  const facts = [
    `The runtime uses ${f.cniConfDir}/${active.name} (${active.cni}, plugins ${active.pluginTypes.join(" → ")}): it sorts first among the conf dir's ${f.configFiles.length} config file${f.configFiles.length === 1 ? "" : "s"}.`,
    `No ${active.cni} agent is deployed; the cluster runs ${input.deployedCnis.join(", ")}.`,
    live.length > 0
      ? `${live.map((c) => c.name).join(", ")} (${input.deployedCnis.join(", ")}) sort${live.length === 1 ? "s" : ""} after it and ${live.length === 1 ? "is" : "are"} never used.`
      : unread.length > 0
        ? `${unread.map((c) => c.name).join(", ")} sort${unread.length === 1 ? "s" : ""} after it but could not be read, so whether ${input.deployedCnis.join(", ")}'s config is there is unknown.`
        : `No config of ${input.deployedCnis.join(", ")} is present at all.`,
  ];
  if (entry) facts.push(`${active.name}: ${describeEntry(entry)}.`);
  facts.push(...unreadableLines(f));
  return verdict("shadowing-cni-config", live.length > 0 ? "high" : "medium", facts);
}

/**
 * A delegating meta-plugin's config (Multus's `00-multus.conf`, named to sort first on purpose) with no agent of it
 * deployed: Multus was removed and its config left behind. The thick plugin's shim hands every call to the Multus
 * daemon's socket and the thin plugin reads `multus.d/multus.kubeconfig` (k8snetworkplumbingwg/multus-cni
 * docs/thick-plugin.md, deployments/multus-daemonset.yml), so with neither there it fails every pod, and the live
 * CNI's config behind it is never used.
 */
function judgeLeftoverDelegate(input: RefineInput): NodeVerdict {
  const { forensics: f } = input;
  const active = f.configFiles[0] as NodeForensics["configFiles"][number];
  const live = f.configFiles.filter((c) => input.deployedCnis.includes(c.cni));
  const daemonSets = agentKindForCni(active.cni)?.daemonSets ?? [];
  const kubeconfigDir = f.confDir.entries.find((e) => e.name === `${active.cni}.d`);
  const entry = f.confDir.entries.find((e) => e.name === active.name);
  const facts = [
    `The runtime uses ${f.cniConfDir}/${active.name} (${active.cni}, plugins ${active.pluginTypes.join(" → ")}): it sorts first among the conf dir's ${f.configFiles.length} config files.`,
    `No ${active.cni} agent is deployed${daemonSets.length > 0 ? ` (no ${daemonSets.join(" or ")} DaemonSet)` : ""}; the cluster runs ${input.deployedCnis.join(", ")}. ${active.name} was left behind when ${active.cni} was removed, and nothing it delegates through is there any more.`,
    kubeconfigDir
      ? `${f.cniConfDir}/${kubeconfigDir.name} (where ${active.cni} keeps its kubeconfig) is still there.`
      : `${f.cniConfDir}/${active.cni}.d (where ${active.cni} keeps its kubeconfig) is gone.`,
    live.length > 0
      ? `${live.map((c) => c.name).join(", ")} (${input.deployedCnis.join(", ")}) sort${live.length === 1 ? "s" : ""} after it and ${live.length === 1 ? "is" : "are"} never used.`
      : `No config of ${input.deployedCnis.join(", ")} is present at all.`,
  ];
  if (entry) facts.push(`${active.name}: ${describeEntry(entry)}.`);
  facts.push(...unreadableLines(f));
  return verdict("shadowing-cni-config", live.length > 0 && !kubeconfigDir ? "high" : "medium", facts);
}

function judgeMissingConfigOrAgent(input: RefineInput, confFacts: string[]): NodeVerdict {
  const { forensics: f } = input;
  const agentDown = input.agentName !== null && (input.agent === null || !input.agent.ready);
  if (f.configFiles.length === 0 && agentDown) {
    return verdict("cni-agent-not-running", "high", [
      `${f.cniConfDir} holds no CNI config file the runtime would use.`,
      `${describeAgent(input.agent, input.agentName as string)}; it writes the config when it starts.`,
    ]);
  }
  return keepWithUnread(input, confFacts);
}

/** keep(), but a verdict the active config would have confirmed loses its certainty when that file was unreadable. */
function keepWithUnread(input: RefineInput, extra: string[]): NodeVerdict {
  const kept = keep(input, extra);
  if (!input.forensics.configFiles[0]?.unreadable) return kept;
  return { ...kept, confidence: kept.confidence === "high" ? "medium" : kept.confidence };
}

function describeEntry(e: NodeForensics["confDir"]["entries"][number]): string {
  return `${e.sizeBytes} bytes, modified ${e.modifiedAt}, owner ${e.owner}:${e.group}, mode ${e.mode}`;
}
