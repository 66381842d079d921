import type { KubeObject } from "../objects.ts";
import type { ObjectStore } from "../store.ts";
import { isoSeconds } from "./time.ts";

/**
 * What the API server does with DELETE for a pod, for controllers inside the simulation: a pod bound to a node is only
 * marked (deletionTimestamp + grace period) and its kubelet removes it once the runtime has torn it down; an unbound
 * pod goes at once.
 */
export function requestPodDeletion(store: ObjectStore, pod: KubeObject, graceSeconds = 30): void {
  if (!pod.spec?.nodeName) {
    store.delete("pods", pod.metadata.namespace, pod.metadata.name);
    return;
  }
  if (pod.metadata.deletionTimestamp) return;
  store.mutate("pods", pod.metadata.namespace, pod.metadata.name, (draft) => {
    draft.metadata.deletionTimestamp = isoSeconds(new Date(store.now().getTime() + graceSeconds * 1000));
    draft.metadata.deletionGracePeriodSeconds = graceSeconds;
  });
}

export function isTerminating(obj: KubeObject): boolean {
  return obj.metadata.deletionTimestamp !== undefined && obj.metadata.deletionTimestamp !== null;
}

/** Pods that count as a controller's live replicas: not terminating and not finished. */
export function isActivePod(pod: KubeObject): boolean {
  return !isTerminating(pod) && pod.status?.phase !== "Succeeded" && pod.status?.phase !== "Failed";
}
