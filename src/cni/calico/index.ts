/** Calico's remediator: it fixes stale or shadowing CNI configs and expired or revoked CNI tokens on its nodes. */
import type { RootCause } from "../../diagnosis/model.ts";
import type { CniRemediator } from "../remediator.ts";
import { CALICO_NODE } from "./identity.ts";
import { planCalicoSteps } from "./plan-steps.ts";
import { verifyCalicoNode } from "./verify.ts";

/**
 * stale-cni-config: move Calico's files and any shadowing config aside, restart calico-node (install-cni writes fresh
 * files), verify. cni-token-expired / cni-token-revoked: restart calico-node, verify. shadowing-cni-config: move the
 * shadowing config aside (another CNI's, or a leftover Multus's), verify. cni-agent-not-running: restart it.
 */
const CALICO_FIXES: ReadonlySet<RootCause> = new Set([
  "stale-cni-config",
  "cni-token-expired",
  "cni-token-revoked",
  "shadowing-cni-config",
  "cni-agent-not-running",
]);

const AGENT_NAMES: readonly string[] = [CALICO_NODE];

export const calicoRemediator: CniRemediator = {
  cni: "calico",
  agentNames: AGENT_NAMES,
  fixes: CALICO_FIXES,
  // A shadowing config on a node whose agent is another CNI's is that CNI's remediator's (agent-restart/): the files
  // that go are the ones before that CNI's config, not Calico's.
  canFix: ({ rootCause, agentName }) =>
    CALICO_FIXES.has(rootCause) && agentName !== null && AGENT_NAMES.includes(agentName),
  planSteps: planCalicoSteps,
  verify: verifyCalicoNode,
};
