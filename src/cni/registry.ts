/**
 * The CNI remediators, in the order they are asked: the first that can fix a node's case plans its steps and verifies
 * the node afterwards. Adding a CNI's repairs is one entry here (see README.md).
 */
import type { RootCause } from "../diagnosis/model.ts";
import { calicoRemediator } from "./calico/index.ts";
import type { CniRemediator, RepairKey } from "./remediator.ts";

export const CNI_REMEDIATORS: readonly CniRemediator[] = [calicoRemediator];

export function remediatorFor(key: RepairKey): CniRemediator | undefined {
  return CNI_REMEDIATORS.find((r) => r.canFix(key));
}

/** Root causes some remediator fixes automatically; anything else is a manual action. */
export const AUTOMATIC_ROOT_CAUSES: ReadonlySet<RootCause> = new Set(
  CNI_REMEDIATORS.flatMap((r) => [...r.fixes]),
);

/** The agents automatic fixes restart, for saying so when a node's agent is another. */
export const RESTARTABLE_AGENTS: readonly string[] = CNI_REMEDIATORS.flatMap((r) => r.agentNames);
