/**
 * Is a diagnosis scope (`--namespace`, `--node`) something that exists? A typo must not read as "Healthy" (a list in
 * a missing namespace is simply empty on a real API server) nor as "Incomplete" (a 404 for the node). Read-only, and
 * with no permission beyond diagnosis's own: namespaces are not read (`get namespaces` is not granted, see
 * manifests/rbac.yaml); a namespace with no pods is told by listing its pods, and the namespaces that do have pods by
 * listing pods in all namespaces, only when the first list came back empty.
 */
import type { ClusterReader } from "../kube/reader.ts";
import { closestName } from "../shared/closest-name.ts";
import type { Scope } from "./evidence/cluster-evidence.ts";

export interface ScopeProblem {
  kind: "unknown-node" | "namespace-without-pods";
  /** One line: what was not found, the closest real name, and the real names. */
  message: string;
}

const MAX_NAMES_SHOWN = 20;

/** Null when the scope names things that exist; otherwise what does not, in one line. */
export async function checkScope(reader: ClusterReader, scope: Scope): Promise<ScopeProblem | null> {
  if (scope.node !== undefined && (await reader.getNode(scope.node)) === null) {
    const nodes = (await reader.listNodes()).flatMap((n) => (n.metadata?.name ? [n.metadata.name] : []));
    return {
      kind: "unknown-node",
      message: `node "${scope.node}" does not exist${suggestion(scope.node, nodes)} Nodes: ${nameList(nodes)}.`,
    };
  }
  if (scope.namespace !== undefined && (await reader.listPods({ namespace: scope.namespace })).length === 0) {
    const namespaces = [
      ...new Set(
        (await reader.listPods({})).flatMap((p) => (p.metadata?.namespace ? [p.metadata.namespace] : [])),
      ),
    ];
    return {
      kind: "namespace-without-pods",
      message: `namespace "${scope.namespace}" has no pods (it does not exist, or is empty)${suggestion(scope.namespace, namespaces)} Namespaces with pods: ${nameList(namespaces)}.`,
    };
  }
  return null;
}

function suggestion(typed: string, names: readonly string[]): string {
  const closest = closestName(typed, names);
  return closest === null ? "." : `; did you mean "${closest}"?`;
}

function nameList(names: readonly string[]): string {
  if (names.length === 0) return "none";
  const sorted = [...names].sort();
  const shown = sorted.slice(0, MAX_NAMES_SHOWN).join(", ");
  return sorted.length > MAX_NAMES_SHOWN ? `${shown} and ${sorted.length - MAX_NAMES_SHOWN} more` : shown;
}
