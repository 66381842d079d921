import type { KubeObject } from "../../objects.ts";
import type { StoreEvent } from "../../store.ts";
import { controllerOf, toleratesTaints } from "../labels.ts";
import { isActivePod } from "../pod-lifecycle.ts";
import { isPodReady } from "../pod-status.ts";
import { KeyedController } from "./keyed-controller.ts";
import { pinnedNodeName } from "./scheduler.ts";

/**
 * The DaemonSet controller: one pod per eligible node. A deleted (or terminating) pod is replaced by a new pod with a
 * new generated name, pinned to the same node through node affinity, which the scheduler then binds.
 */
export class DaemonSetController extends KeyedController {
  protected readonly resource = "daemonsets";

  protected onChange(e: StoreEvent): void {
    if (e.resource === "daemonsets" && e.type !== "DELETED")
      this.enqueue(e.object.metadata.namespace, e.object.metadata.name);
    if (e.resource === "pods") {
      const owner = controllerOf(e.object);
      if (owner?.kind === "DaemonSet") this.enqueue(e.object.metadata.namespace, owner.name);
    }
    // A node joining or leaving changes where the DaemonSets must run.
    if (e.resource === "nodes" && e.type !== "MODIFIED") this.enqueueAll();
  }

  protected sync(key: string): void {
    const [namespace, name] = key.split("/") as [string, string];
    const ds = this.store.get("daemonsets", namespace, name);
    if (!ds) return;
    const template = ds.spec.template;
    const probe = {
      ...template,
      metadata: {
        ...(template.metadata ?? {}),
        name: "",
        uid: "",
        resourceVersion: "",
        creationTimestamp: "",
      },
    } as KubeObject;
    const nodes = this.store
      .list("nodes")
      .filter((n) => toleratesTaints(probe, n) && matchesNodeSelector(template.spec?.nodeSelector, n));
    const owned = this.store.list("pods", namespace).filter((p) => controllerOf(p)?.uid === ds.metadata.uid);
    const byNode = new Map<string, KubeObject[]>();
    for (const pod of owned) {
      const node = pod.spec?.nodeName ?? pinnedNodeName(pod);
      if (!node) continue;
      const list = byNode.get(node) ?? [];
      list.push(pod);
      byNode.set(node, list);
    }
    for (const node of nodes) {
      const active = (byNode.get(node.metadata.name) ?? []).filter(isActivePod);
      if (active.length === 0) this.createPod(ds, node.metadata.name);
    }
    const live = this.store
      .list("pods", namespace)
      .filter((p) => controllerOf(p)?.uid === ds.metadata.uid && isActivePod(p));
    const scheduled = live.filter((p) => p.spec?.nodeName).length;
    const ready = live.filter(isPodReady).length;
    const status = {
      currentNumberScheduled: scheduled,
      desiredNumberScheduled: nodes.length,
      numberAvailable: ready,
      numberMisscheduled: 0,
      numberReady: ready,
      observedGeneration: ds.metadata.generation ?? 1,
      updatedNumberScheduled: scheduled,
      ...(nodes.length - ready > 0 ? { numberUnavailable: nodes.length - ready } : {}),
    };
    if (JSON.stringify(status) !== JSON.stringify(ds.status ?? {})) {
      this.store.mutate("daemonsets", namespace, name, (draft) => {
        draft.status = status;
      });
    }
  }

  private createPod(ds: KubeObject, nodeName: string): void {
    const template = ds.spec.template;
    this.store.create("pods", daemonPod(ds, template, nodeName));
  }
}

/** A DaemonSet's pod for one node, as the controller creates it (labels, owner, node affinity). */
// biome-ignore lint/suspicious/noExplicitAny: pod templates are plain JSON
export function daemonPod(ds: KubeObject, template: any, nodeName: string, name?: string) {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: name ?? "",
      generateName: `${ds.metadata.name}-`,
      namespace: ds.metadata.namespace,
      labels: {
        ...(template.metadata?.labels ?? {}),
        "controller-revision-hash": ds.metadata.annotations?.["sim.cni-doctor/revision-hash"] ?? "6d5f9c8b7d",
        "pod-template-generation": String(ds.metadata.generation ?? 1),
      },
      ownerReferences: [
        {
          apiVersion: "apps/v1",
          kind: "DaemonSet",
          name: ds.metadata.name,
          uid: ds.metadata.uid,
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    spec: {
      ...structuredClone(template.spec),
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [
              { matchFields: [{ key: "metadata.name", operator: "In", values: [nodeName] }] },
            ],
          },
        },
      },
    },
    status: { phase: "Pending" },
  };
}

function matchesNodeSelector(selector: Record<string, string> | undefined, node: KubeObject): boolean {
  return Object.entries(selector ?? {}).every(([k, v]) => node.metadata.labels?.[k] === v);
}
