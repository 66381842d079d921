/**
 * Whether a node's CNI is sound after its agent was restarted or a leftover config moved aside, for a CNI without a
 * folder of its own: the runtime's first config is the CNI's (its agent writes it as it starts), or a delegating
 * Multus the repair did not move aside. Its agent being Running and Ready is checked by the restart step before this.
 * Read-only.
 */
import type { NodeForensics } from "../../diagnosis/model.ts";
import type { CniIdentity } from "../identity.ts";
import type { NodeCheckContext, NodeCniCheck, NodeExpectation } from "../remediator.ts";
import { judgeActiveConfig } from "../verify-config.ts";

export async function verifyAgentNode(
  identity: CniIdentity,
  ctx: NodeCheckContext,
  node: string,
  expect: NodeExpectation,
): Promise<NodeCniCheck> {
  const f = await ctx.inspectNode(node, expect.cniConfDir);
  ctx.recordCall(`inspect ${node}: list ${expect.cniConfDir} and read its configs`);
  return judgeAgentNode(identity, f, expect.movedAside);
}

/** Pure: the verdict on a fresh inspection. */
export function judgeAgentNode(
  identity: Pick<CniIdentity, "cni">,
  f: NodeForensics,
  movedAside: readonly string[],
): NodeCniCheck {
  const active = judgeActiveConfig(f, identity.cni, movedAside);
  return { ok: active.ok, lines: [active.line] };
}
