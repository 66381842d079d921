/**
 * The failure families as a registry, keyed by the public `Family` names, as the signature catalog is a list: each
 * family's guide and cluster-side verdict live in its own file. The one rule that crosses families (a CNI's error
 * with no such CNI deployed) is decided here, before the family's own verdict.
 */
import { guideForCni } from "../../cni/guides.ts";
import { agentKindForCni } from "../../cni/identity.ts";
import { remediatorFor } from "../../cni/registry.ts";
import { describeAgent } from "../findings/agent-status.ts";
import type { ClassificationDetails, CniPlugin, Family } from "../message/classification.ts";
import type { RootCauseVerdict } from "../model.ts";
import { bridgeAddressConflict } from "./bridge-address-conflict.ts";
import { cniAgentNotRunning } from "./cni-agent-not-running.ts";
import { cniApiserverUnreachable } from "./cni-apiserver-unreachable.ts";
import { cniApiserverUntrusted } from "./cni-apiserver-untrusted.ts";
import { cniConfigMissing } from "./cni-config-missing.ts";
import { cniCredentialsForbidden } from "./cni-credentials-forbidden.ts";
import { cniCredentialsRejected } from "./cni-credentials-rejected.ts";
import { cniPluginMissing } from "./cni-plugin-missing.ts";
import type { FailureFamily, FamilyGuide, NodeAgent, RootCauseInput } from "./family.ts";
import { fillPlaceholders } from "./guide-placeholders.ts";
import { ipExhausted } from "./ip-exhausted.ts";
import { unrecognisedFailure } from "./unknown.ts";

export type { FailureFamily, FamilyGuide, RootCauseInput } from "./family.ts";

export const FAILURE_FAMILIES: Readonly<Record<Family, FailureFamily>> = {
  "cni-credentials-rejected": cniCredentialsRejected,
  "cni-credentials-forbidden": cniCredentialsForbidden,
  "cni-apiserver-untrusted": cniApiserverUntrusted,
  "cni-apiserver-unreachable": cniApiserverUnreachable,
  "cni-agent-not-running": cniAgentNotRunning,
  "cni-plugin-missing": cniPluginMissing,
  "cni-config-missing": cniConfigMissing,
  "ip-exhausted": ipExhausted,
  "bridge-address-conflict": bridgeAddressConflict,
  unknown: unrecognisedFailure,
};

/**
 * The guide for a family: the family's general guide, the CNI's own checks and causes where its folder in src/cni has a
 * guide, and whatever the message told us filled into the commands. Its `fix` says yes only where a remediator in
 * src/cni plans the repair for the CNI's own agent or, for a message that names no CNI, for `nodeAgentName`, the agent
 * the cluster runs on the node.
 */
export function familyGuide(
  family: Family,
  cni: CniPlugin = "unknown",
  details: ClassificationDetails = {},
  nodeAgentName?: string | null,
): FamilyGuide {
  const failure = FAILURE_FAMILIES[family];
  const general = failure.guide(cni, agentFor(cni));
  const own = guideForCni(cni);
  const checks = own?.checks[family] ?? general.checks;
  const likelyCauses = own?.causes?.[family] ?? general.likelyCauses;
  const agentName = agentKindForCni(cni)?.name ?? nodeAgentName ?? null;
  const repairable =
    failure.repairs !== undefined && remediatorFor({ rootCause: failure.repairs, agentName }) !== undefined;
  const fix =
    general.fix.automatic && repairable
      ? general.fix
      : {
          automatic: false,
          summary:
            own?.manualFix?.[family] ??
            (general.fix.automatic
              ? `No: cni-doctor has no automatic repair for ${cni === "unknown" ? "this CNI" : cni} here; a human must act, starting with the checks above.`
              : general.fix.summary),
        };
  return {
    family,
    ...general,
    likelyCauses: [...likelyCauses],
    checks: checks.map((command) => fillPlaceholders(command, details)),
    fix,
  };
}

function agentFor(cni: CniPlugin): NodeAgent {
  return (
    agentKindForCni(cni) ?? { name: "the CNI agent (DaemonSet pod)", labelSelector: "<cni-agent-label>" }
  );
}

/** CNIs that chain or delegate to another and so may legitimately appear without their own agent DaemonSet. */
const DELEGATING: readonly CniPlugin[] = [
  "multus",
  "bridge",
  "host-local",
  "loopback",
  "portmap",
  "ptp",
  "unknown",
];

/**
 * Cluster-side root cause: from a failure family and what the cluster shows about the node's CNI agent, the most
 * likely cause with a confidence. Pure. Node inspection (SSH) refines it; without it, the Unauthorized case is a guess
 * and says so.
 */
export function clusterSideRootCause(input: RootCauseInput): RootCauseVerdict {
  const { family, cni } = input;
  if (
    family !== "unknown" &&
    input.deployedCnis.length > 0 &&
    !DELEGATING.includes(cni) &&
    !input.deployedCnis.includes(cni)
  ) {
    return {
      rootCause: "shadowing-cni-config",
      confidence: "medium",
      facts: [
        `Pods fail with ${cni}'s error, but no ${cni} agent is deployed; the cluster runs ${input.deployedCnis.join(", ")}.`,
        `A leftover ${cni} config file probably sorts before the live CNI's in the node's conf dir (the runtime uses the first).`,
      ],
    };
  }
  return FAILURE_FAMILIES[family].clusterVerdict({
    ...input,
    agentDown: input.agent === null || !input.agent.ready,
    agentFact: describeAgent(input.agent, input.agentName ?? "the CNI agent"),
  });
}
