import type { KubeObject, NewObject } from "../../objects.ts";
import type { StoreEvent } from "../../store.ts";
import { controllerOf, matchesLabelSelector } from "../labels.ts";
import { isActivePod, requestPodDeletion } from "../pod-lifecycle.ts";
import { isPodReady } from "../pod-status.ts";
import { KeyedController } from "./keyed-controller.ts";

/**
 * The ReplicaSet controller: keeps `spec.replicas` active pods. A pod that is terminating no longer counts, so a
 * stuck pod being deleted is replaced at once while it hangs in Terminating, as on a real cluster. New pods are
 * created unbound; the scheduler places them.
 */
export class ReplicaSetController extends KeyedController {
  protected readonly resource = "replicasets";

  protected onChange(e: StoreEvent): void {
    if (e.resource === "replicasets" && e.type !== "DELETED")
      this.enqueue(e.object.metadata.namespace, e.object.metadata.name);
    if (e.resource === "pods") {
      const owner = controllerOf(e.object);
      if (owner?.kind === "ReplicaSet") this.enqueue(e.object.metadata.namespace, owner.name);
    }
  }

  protected sync(key: string): void {
    const [namespace, name] = key.split("/") as [string, string];
    const rs = this.store.get("replicasets", namespace, name);
    if (!rs) return;
    const owned = this.store
      .list("pods", namespace)
      .filter(
        (p) =>
          controllerOf(p)?.uid === rs.metadata.uid &&
          matchesLabelSelector(rs.spec?.selector, p.metadata.labels),
      );
    const active = owned.filter(isActivePod);
    const wanted: number = rs.spec?.replicas ?? 1;
    for (let i = active.length; i < wanted; i++) this.createPod(rs);
    if (active.length > wanted) {
      // Like the real controller, give up the least useful pods first: unscheduled, then not ready.
      const ranked = [...active].sort((a, b) => rank(a) - rank(b));
      for (const pod of ranked.slice(0, active.length - wanted)) requestPodDeletion(this.store, pod);
    }
    const now = this.store
      .list("pods", namespace)
      .filter((p) => controllerOf(p)?.uid === rs.metadata.uid && isActivePod(p));
    const ready = now.filter(isPodReady).length;
    const status = {
      replicas: now.length,
      fullyLabeledReplicas: now.length,
      readyReplicas: ready,
      availableReplicas: ready,
      observedGeneration: rs.metadata.generation ?? 1,
    };
    if (JSON.stringify(status) !== JSON.stringify(rs.status ?? {})) {
      this.store.mutate("replicasets", namespace, name, (draft) => {
        draft.status = status;
      });
    }
  }

  private createPod(rs: KubeObject): void {
    this.store.create("pods", replicaSetPod(rs));
  }
}

/** A ReplicaSet's pod as the controller creates it (template, labels, owner), not yet bound to a node. */
export function replicaSetPod(rs: KubeObject): NewObject {
  const template = rs.spec.template;
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: "",
      generateName: `${rs.metadata.name}-`,
      namespace: rs.metadata.namespace,
      labels: { ...(template.metadata?.labels ?? {}) },
      ownerReferences: [
        {
          apiVersion: "apps/v1",
          kind: "ReplicaSet",
          name: rs.metadata.name,
          uid: rs.metadata.uid,
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    spec: structuredClone(template.spec),
    status: { phase: "Pending", qosClass: "BestEffort" },
  };
}

function rank(pod: KubeObject): number {
  if (!pod.spec?.nodeName) return 0;
  return isPodReady(pod) ? 2 : 1;
}
