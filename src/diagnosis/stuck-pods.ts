import type { V1Pod } from "../kube/types.ts";
import type { PodRef, StuckReason } from "./diagnosis.ts";

/**
 * Whether a pod is stuck the way a broken pod network leaves it: waiting in ContainerCreating (the sandbox never came
 * up), or Terminating past its grace period (the sandbox cannot be torn down). Pure.
 */
export function stuckReason(pod: V1Pod, now: Date): StuckReason | null {
  const deletion = pod.metadata?.deletionTimestamp;
  // The API server sets deletionTimestamp to the moment the grace period ends.
  if (deletion) return new Date(deletion).getTime() < now.getTime() ? "Terminating" : null;
  if (pod.status?.phase !== "Pending" || !pod.spec?.nodeName) return null;
  const statuses = [...(pod.status.initContainerStatuses ?? []), ...(pod.status.containerStatuses ?? [])];
  // No container status yet on a bound pod means the runtime has not got past the sandbox.
  if (statuses.length === 0) return "ContainerCreating";
  const creating = statuses.some((s) => s.state?.waiting?.reason === "ContainerCreating");
  return creating ? "ContainerCreating" : null;
}

export function podRef(pod: V1Pod, reason: StuckReason): PodRef {
  const owner = pod.metadata?.ownerReferences?.find((o) => o.controller) ?? null;
  return {
    namespace: pod.metadata?.namespace ?? "",
    name: pod.metadata?.name ?? "",
    node: pod.spec?.nodeName ?? "",
    phase: pod.status?.phase ?? "Unknown",
    reason,
    owner: owner ? { kind: owner.kind, name: owner.name } : null,
  };
}
