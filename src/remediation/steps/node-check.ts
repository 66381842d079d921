/**
 * What a CNI remediator's verification gets from a running step: a fresh, read-only inspection of the node (the same
 * forensics a diagnosis runs), recorded in the step's ledger.
 */
import type { NodeCheckContext } from "../../cni/remediator.ts";
import { inspectNode, readClusterReference } from "../../diagnosis/forensics/index.ts";
import { readOnlyView } from "../../nodes/index.ts";
import type { StepContext } from "./context.ts";

export function nodeCheckContext(ctx: StepContext): NodeCheckContext {
  const { reader, nodeWriter, now } = ctx.deps;
  return {
    async inspectNode(node, cniConfDir) {
      const { internalIP } = await ctx.nodeInfo(node);
      const { reference } = await readClusterReference(reader);
      return inspectNode(readOnlyView(nodeWriter), reader, { node, internalIP, cniConfDir }, reference, now);
    },
    recordCall: (description) => ctx.ledger.apiCall(description),
  };
}
