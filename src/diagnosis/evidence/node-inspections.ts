/**
 * Inspects the affected nodes' CNI files, a few nodes at a time, over read-only node access. A node that cannot be
 * reached keeps its cluster-side finding, with the reason recorded on it and in the Diagnosis' errors.
 */
import type { ClusterReader } from "../../kube/reader.ts";
import type { V1Node } from "../../kube/types.ts";
import { isNodeAccessError, type NodeReader } from "../../nodes/index.ts";
import { Limiter } from "../../shared/limiter.ts";
import { type ApiServerClock, inspectNode, readClusterReference } from "../forensics/index.ts";
import type { NodeForensics, NotInspectedReason } from "../forensics/inspection.ts";
import type { DiagnosisError } from "../model.ts";

/** What node forensics produced for one node: its files, or why they could not be read. */
export type NodeInspectionOutcome =
  | { status: "inspected"; forensics: NodeForensics }
  | { status: "not-inspected"; reason: NotInspectedReason };

export async function inspectAffectedNodes(
  reader: ClusterReader,
  nodes: NodeReader,
  plan: {
    nodes: string[];
    nodeObjects: V1Node[];
    concurrency: number;
    apiServerClock: ApiServerClock | undefined;
    now: () => Date;
  },
): Promise<{ inspections: Map<string, NodeInspectionOutcome>; errors: DiagnosisError[] }> {
  const inspections = new Map<string, NodeInspectionOutcome>();
  if (plan.nodes.length === 0) return { inspections, errors: [] };
  const { reference, errors } = await readClusterReference(reader, plan.apiServerClock);
  const byName = new Map(plan.nodeObjects.map((n) => [n.metadata?.name ?? "", n]));
  const limiter = new Limiter(plan.concurrency);
  await Promise.all(
    plan.nodes.map((node) =>
      limiter.run(async () => {
        const internalIP = byName.get(node)?.status?.addresses?.find((a) => a.type === "InternalIP")?.address;
        try {
          const forensics = await inspectNode(nodes, reader, { node, internalIP }, reference, plan.now);
          inspections.set(node, { status: "inspected", forensics });
        } catch (err) {
          const reason = isNodeAccessError(err)
            ? { kind: err.kind, message: err.message, hint: err.hint ?? null }
            : { kind: "unexpected", message: (err as Error).message ?? String(err), hint: null };
          inspections.set(node, { status: "not-inspected", reason });
          errors.push({
            operation: `inspect node ${node}`,
            failure: reason.kind,
            message: reason.message,
          });
        }
      }),
    ),
  );
  return { inspections, errors };
}
