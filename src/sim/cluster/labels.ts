import type { KubeObject } from "../objects.ts";

// biome-ignore lint/suspicious/noExplicitAny: label selectors are plain JSON
type LabelSelector = any;

/** Whether `labels` satisfy a Service selector (map form). An empty selector selects nothing, as for Services. */
export function matchesServiceSelector(
  selector: Record<string, string> | undefined,
  labels: Record<string, string> | undefined,
): boolean {
  if (!selector || Object.keys(selector).length === 0) return false;
  return Object.entries(selector).every(([k, v]) => labels?.[k] === v);
}

/** Whether `labels` satisfy a metav1.LabelSelector (matchLabels + matchExpressions). */
export function matchesLabelSelector(
  selector: LabelSelector,
  labels: Record<string, string> | undefined,
): boolean {
  if (!selector) return false;
  const l = labels ?? {};
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (l[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = Object.hasOwn(l, e.key);
    const value = l[e.key];
    switch (e.operator) {
      case "In":
        if (!has || !(e.values ?? []).includes(value)) return false;
        break;
      case "NotIn":
        if (has && (e.values ?? []).includes(value)) return false;
        break;
      case "Exists":
        if (!has) return false;
        break;
      case "DoesNotExist":
        if (has) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

/** The controller owner reference of an object, if any. */
export function controllerOf(obj: KubeObject): { kind: string; name: string; uid: string } | undefined {
  return obj.metadata.ownerReferences?.find((r) => r.controller === true);
}

/** Whether a pod tolerates every NoSchedule/NoExecute taint of a node. */
export function toleratesTaints(pod: KubeObject, node: KubeObject): boolean {
  // biome-ignore lint/suspicious/noExplicitAny: plain JSON
  const tolerations: any[] = pod.spec?.tolerations ?? [];
  // biome-ignore lint/suspicious/noExplicitAny: plain JSON
  return (node.spec?.taints ?? []).every((taint: any) => {
    if (taint.effect === "PreferNoSchedule") return true;
    return tolerations.some(
      (t) =>
        (t.effect === undefined || t.effect === "" || t.effect === taint.effect) &&
        (t.operator === "Exists"
          ? t.key === undefined || t.key === "" || t.key === taint.key
          : t.key === taint.key && (t.value ?? "") === (taint.value ?? "")),
    );
  });
}

export function isNodeReady(node: KubeObject): boolean {
  return (node.status?.conditions ?? []).some(
    (c: { type: string; status: string }) => c.type === "Ready" && c.status === "True",
  );
}
