/**
 * Node access on one node of each kind (control plane, worker): the transport opens (an agent pod is scheduled and
 * exec answers, or SSH completes a handshake against a verified host key) and the fixed read-only `date` template
 * runs (behind `sudo -n` where the nodes file says sudo). Its answer is the node's clock, for the skew check.
 */

import type { V1Node } from "../kube/types.ts";
import { type NodeClockReading, readNodeClock } from "../nodes/commands.ts";
import type { NodeReader } from "../nodes/node-reader.ts";
import { type CheckLine, fail, note, pass } from "./model.ts";

export interface NodeCheckInput {
  nodes: V1Node[];
  /** "kubernetes" (agent pods), "ssh", or "none". */
  transport: "kubernetes" | "ssh" | "none";
  /** Opens read-only node access; undefined when there is none. */
  open(): Promise<NodeReader | undefined>;
}

export interface NodeCheckResult {
  lines: CheckLine[];
  /** The first node whose clock was read. */
  clock?: { name: string; reading: NodeClockReading };
}

const CONTROL_PLANE_LABELS = ["node-role.kubernetes.io/control-plane", "node-role.kubernetes.io/master"];

export function nodeKind(node: V1Node): "control-plane" | "worker" {
  const labels = node.metadata?.labels ?? {};
  return CONTROL_PLANE_LABELS.some((l) => l in labels) ? "control-plane" : "worker";
}

function isReady(node: V1Node): boolean {
  return (node.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True");
}

/** One node per kind, Ready ones first, by name: the nodes worth trying. */
export function sampleNodes(nodes: V1Node[]): Array<{ node: V1Node; kind: "control-plane" | "worker" }> {
  const sorted = [...nodes].sort(
    (a, b) =>
      Number(isReady(b)) - Number(isReady(a)) ||
      (a.metadata?.name ?? "").localeCompare(b.metadata?.name ?? ""),
  );
  const picked = new Map<string, V1Node>();
  for (const n of sorted) if (!picked.has(nodeKind(n))) picked.set(nodeKind(n), n);
  return [...picked].map(([kind, node]) => ({ node, kind: kind as "control-plane" | "worker" }));
}

function internalIP(node: V1Node): string | undefined {
  return node.status?.addresses?.find((a) => a.type === "InternalIP")?.address;
}

export async function checkNodeAccess(input: NodeCheckInput): Promise<NodeCheckResult> {
  if (input.transport === "none")
    return {
      lines: [
        note(
          "nodes",
          "node-access",
          "node access is off (CNI_DOCTOR_NODE_ACCESS=none): nodes' CNI files will not be inspected",
        ),
      ],
    };
  let access: NodeReader | undefined;
  try {
    access = await input.open();
  } catch (err) {
    return {
      lines: [
        fail(
          "nodes",
          "node-access",
          `node access (${input.transport}) could not open: ${(err as Error).message}`,
          fixFor(err),
        ),
      ],
    };
  }
  if (!access)
    return {
      lines: [
        fail(
          "nodes",
          "node-access",
          `node access (${input.transport}) is not available`,
          "kubectl apply -k manifests/ (the cni-doctor-nodes namespace), or give a nodes file",
        ),
      ],
    };
  const result: NodeCheckResult = { lines: [] };
  try {
    for (const { node, kind } of sampleNodes(input.nodes)) {
      const name = node.metadata?.name ?? "";
      const how =
        input.transport === "kubernetes" ? "agent pod scheduled, exec answered" : "SSH host key verified";
      try {
        const reading = await access.run(name, internalIP(node), readNodeClock());
        const sudo = access.target(name, internalIP(node)).sudo ? ", sudo -n works" : "";
        result.lines.push(
          pass("nodes", `node-access:${name}`, `${kind} node ${name}: ${how}${sudo}, \`date\` ran`),
        );
        result.clock ??= { name, reading };
      } catch (err) {
        result.lines.push(
          fail(
            "nodes",
            `node-access:${name}`,
            `${kind} node ${name}: ${(err as Error).message}`,
            fixFor(err),
          ),
        );
      }
    }
  } finally {
    await access.close().catch(() => undefined);
  }
  if (result.lines.length === 0)
    result.lines.push(fail("nodes", "node-access", "the cluster lists no nodes", "kubectl get nodes"));
  return result;
}

function fixFor(err: unknown): string {
  const hint = (err as { hint?: string }).hint;
  if (hint) return hint;
  const kind = (err as { kind?: string }).kind;
  if (kind?.startsWith("host-key"))
    return "check the node's host key and known_hosts (README: Troubleshooting)";
  if (kind === "agent-pod-unavailable")
    return "kubectl -n cni-doctor-nodes get events; check the agent image pulls on that node (CNI_DOCTOR_NODE_AGENT_IMAGE)";
  if (kind === "forbidden") return "kubectl apply -k manifests/ (Role cni-doctor-node-agents)";
  return "see README: Node access through Kubernetes / over SSH";
}
