/**
 * What every simulated CNI agent (calico-agent.ts, cilium-agent.ts) does the same way to its own pod and its node:
 * read the pod as it is now, write the kubelet's status for it, and clear the node's NetworkUnavailable condition
 * once it is up (each agent with its own reason: calico/node "CalicoIsUp", cilium pkg/node "CiliumIsUp").
 */
import type { KubeObject } from "../objects.ts";
import type { ObjectStore } from "../store.ts";
import type { SimNode } from "./sim-node.ts";
import { isoSeconds } from "./time.ts";

export function currentPod(store: ObjectStore, pod: KubeObject): KubeObject {
  return store.get("pods", pod.metadata.namespace, pod.metadata.name) ?? pod;
}

/** Writes the pod's status, unless the pod is gone (deleted while the agent was starting). */
export function writePodStatus(store: ObjectStore, pod: KubeObject, status: KubeObject["status"]): void {
  if (!store.get("pods", pod.metadata.namespace, pod.metadata.name)) return;
  store.mutate("pods", pod.metadata.namespace, pod.metadata.name, (draft) => {
    draft.status = status;
  });
}

export function markNetworkAvailable(
  store: ObjectStore,
  node: SimNode,
  at: Date,
  why: { reason: string; message: string },
): void {
  if (!store.get("nodes", undefined, node.name)) return;
  const when = isoSeconds(at);
  store.mutate("nodes", undefined, node.name, (draft) => {
    // biome-ignore lint/suspicious/noExplicitAny: node conditions are plain JSON
    const others = (draft.status.conditions ?? []).filter((c: any) => c.type !== "NetworkUnavailable");
    draft.status.conditions = [
      {
        type: "NetworkUnavailable",
        status: "False",
        lastHeartbeatTime: when,
        lastTransitionTime: when,
        reason: why.reason,
        message: why.message,
      },
      ...others,
    ];
  });
}
