/**
 * Stuck pods and node-level network failures, each with the message that explains it, classified. Pure.
 */
import type { CoreV1Event, V1Node, V1Pod } from "../../kube/types.ts";
import type { Classification } from "../message/classification.ts";
import { classifyMessage } from "../message/classify-message.ts";
import type { PodRef, StuckReason } from "../model.ts";
import { eventTime } from "./event-times.ts";

/** One stuck pod with the event that explains it. */
export interface StuckPod {
  ref: PodRef;
  event: CoreV1Event;
  classification: Classification;
}

/** A node-level network failure with no pod attached, e.g. `NetworkPluginNotReady` on the Ready condition. */
export interface NodeSignal {
  node: string;
  message: string;
  classification: Classification;
}

/**
 * Judges one pod at a time, so that a caller may walk a large list in slices (`mapInSlices`): the pod as a StuckPod,
 * or null when it is not stuck, has no sandbox event, or was judged already (a pod may be listed twice).
 */
export function stuckPodJudge(events: CoreV1Event[], now: Date): (pod: V1Pod) => StuckPod | null {
  const latest = latestEventByPod(events);
  const seen = new Set<string>();
  return (pod) => {
    const key = `${pod.metadata?.namespace}/${pod.metadata?.name}`;
    if (seen.has(key)) return null;
    seen.add(key);
    const reason = stuckReason(pod, now);
    const event = latest.get(key);
    // A pod waiting for other reasons (a volume, an image) has no sandbox event: not ours to report.
    if (!reason || !event) return null;
    return { ref: podRef(pod, reason), event, classification: classifyMessage(event.message ?? "") };
  };
}

export function findNodeSignals(nodes: V1Node[]): NodeSignal[] {
  const out: NodeSignal[] = [];
  for (const node of nodes) {
    const ready = node.status?.conditions?.find((c) => c.type === "Ready");
    const message = ready?.message ?? "";
    if (ready?.status === "True" || !/NetworkPluginNotReady|network plugin/i.test(message)) continue;
    out.push({ node: node.metadata?.name ?? "", message, classification: classifyMessage(message) });
  }
  return out;
}

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

function latestEventByPod(events: CoreV1Event[]): Map<string, CoreV1Event> {
  const out = new Map<string, CoreV1Event>();
  for (const e of events) {
    const key = `${e.involvedObject.namespace}/${e.involvedObject.name}`;
    const current = out.get(key);
    if (!current || eventTime(e) > eventTime(current)) out.set(key, e);
  }
  return out;
}
