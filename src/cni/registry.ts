/**
 * The CNI remediators, in the order they are asked: the first that can fix a node's case plans its steps and verifies
 * the node afterwards. A CNI with a folder of its own (calico/) comes first; every other CNI with a known agent gets
 * the agent restart remediator built from its identity (agent-restart/), for the agents no earlier one claims. Adding
 * a CNI's own repairs is one entry in OWN_REMEDIATORS (see README.md).
 */
import type { RootCause } from "../diagnosis/model.ts";
import { agentRestartRemediator } from "./agent-restart/index.ts";
import { calicoRemediator } from "./calico/index.ts";
import { CNI_IDENTITIES } from "./identity.ts";
import type { CniRemediator, RepairKey } from "./remediator.ts";

const OWN_REMEDIATORS: readonly CniRemediator[] = [calicoRemediator];

const CLAIMED_AGENTS: ReadonlySet<string> = new Set(OWN_REMEDIATORS.flatMap((r) => r.agentNames));

export const CNI_REMEDIATORS: readonly CniRemediator[] = [
  ...OWN_REMEDIATORS,
  ...CNI_IDENTITIES.flatMap((i) => agentRestartRemediator(i, CLAIMED_AGENTS) ?? []),
];

export function remediatorFor(key: RepairKey): CniRemediator | undefined {
  return CNI_REMEDIATORS.find((r) => r.canFix(key));
}

/** Root causes some remediator fixes automatically; anything else is a manual action. */
export const AUTOMATIC_ROOT_CAUSES: ReadonlySet<RootCause> = new Set(
  CNI_REMEDIATORS.flatMap((r) => [...r.fixes]),
);

/** The agents automatic fixes restart, for saying so when a node's agent is another. */
export const RESTARTABLE_AGENTS: readonly string[] = CNI_REMEDIATORS.flatMap((r) => r.agentNames);
