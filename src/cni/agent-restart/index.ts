/**
 * A remediator for each CNI that has no folder of its own, built from its identity (src/cni/identity.ts): it restarts
 * the CNI's agent on a node where it is down, and moves another CNI's leftover config aside. What it may restart is
 * only ever a DaemonSet's pod (checked when the step runs); a crash-looping agent, or one that cannot pull its image,
 * is left to a person by the planner (src/remediation/plan.ts, agentBeyondRestart). A CNI that gets its own folder
 * (as calico/) comes before these in the registry and takes its agents off their list.
 */
import type { RootCause } from "../../diagnosis/model.ts";
import type { CniIdentity } from "../identity.ts";
import type { CniRemediator } from "../remediator.ts";
import { planAgentSteps } from "./plan-steps.ts";
import { verifyAgentNode } from "./verify.ts";

const AGENT_FIXES: ReadonlySet<RootCause> = new Set(["cni-agent-not-running", "shadowing-cni-config"]);

/** The identity's remediator, for its agents not in `claimed`; undefined when none is left. */
export function agentRestartRemediator(
  identity: CniIdentity,
  claimed: ReadonlySet<string>,
): CniRemediator | undefined {
  const agentNames = identity.agents.map((a) => a.name).filter((name) => !claimed.has(name));
  if (agentNames.length === 0) return undefined;
  return {
    cni: identity.cni,
    agentNames,
    fixes: AGENT_FIXES,
    canFix: ({ rootCause, agentName }) =>
      AGENT_FIXES.has(rootCause) && agentName !== null && agentNames.includes(agentName),
    planSteps: (c, options) => planAgentSteps(identity, c, options),
    verify: (ctx, node, expect) => verifyAgentNode(identity, ctx, node, expect),
  };
}
