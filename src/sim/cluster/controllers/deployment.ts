import type { KubeObject } from "../../objects.ts";
import type { StoreEvent } from "../../store.ts";
import { controllerOf } from "../labels.ts";
import { isoSeconds } from "../time.ts";
import { KeyedController } from "./keyed-controller.ts";

/**
 * Deployment status from its (single, static) ReplicaSet: replica counts and the Available/Progressing conditions
 * `kubectl get deploy` and `rollout status` read. Rollouts are not modelled; no scenario changes a template.
 */
export class DeploymentStatusController extends KeyedController {
  protected readonly resource = "deployments";

  protected onChange(e: StoreEvent): void {
    if (e.resource === "deployments" && e.type !== "DELETED")
      this.enqueue(e.object.metadata.namespace, e.object.metadata.name);
    if (e.resource === "replicasets") {
      const owner = controllerOf(e.object);
      if (owner?.kind === "Deployment") this.enqueue(e.object.metadata.namespace, owner.name);
    }
  }

  protected sync(key: string): void {
    const [namespace, name] = key.split("/") as [string, string];
    const deployment = this.store.get("deployments", namespace, name);
    if (!deployment) return;
    const sets = this.store
      .list("replicasets", namespace)
      .filter((rs) => controllerOf(rs)?.uid === deployment.metadata.uid);
    const sum = (f: (rs: KubeObject) => number) => sets.reduce((n, rs) => n + f(rs), 0);
    const replicas = sum((rs) => rs.status?.replicas ?? 0);
    const ready = sum((rs) => rs.status?.readyReplicas ?? 0);
    const wanted: number = deployment.spec?.replicas ?? 1;
    const available = ready >= wanted;
    const previous = deployment.status?.conditions ?? [];
    const now = isoSeconds(this.store.now());
    // biome-ignore lint/suspicious/noExplicitAny: conditions are plain JSON
    const keep = (type: string, status: string): any => {
      // biome-ignore lint/suspicious/noExplicitAny: conditions are plain JSON
      const old = previous.find((c: any) => c.type === type);
      return old && old.status === status ? old : { lastTransitionTime: now, lastUpdateTime: now };
    };
    const status = {
      observedGeneration: deployment.metadata.generation ?? 1,
      replicas,
      updatedReplicas: replicas,
      readyReplicas: ready,
      availableReplicas: ready,
      ...(wanted - ready > 0 ? { unavailableReplicas: wanted - ready } : {}),
      conditions: [
        {
          type: "Available",
          status: available ? "True" : "False",
          ...keep("Available", available ? "True" : "False"),
          reason: available ? "MinimumReplicasAvailable" : "MinimumReplicasUnavailable",
          message: available
            ? "Deployment has minimum availability."
            : "Deployment does not have minimum availability.",
        },
        {
          type: "Progressing",
          status: "True",
          ...keep("Progressing", "True"),
          reason: "NewReplicaSetAvailable",
          message: `ReplicaSet "${sets[0]?.metadata.name ?? name}" has successfully progressed.`,
        },
      ],
    };
    for (const c of status.conditions) {
      if (c.status !== undefined && !("lastUpdateTime" in c)) Object.assign(c, { lastUpdateTime: now });
    }
    if (JSON.stringify(status) !== JSON.stringify(deployment.status ?? {})) {
      this.store.mutate("deployments", namespace, name, (draft) => {
        draft.status = status;
      });
    }
  }
}
