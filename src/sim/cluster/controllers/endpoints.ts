import type { KubeObject } from "../../objects.ts";
import type { StoreEvent } from "../../store.ts";
import { matchesServiceSelector } from "../labels.ts";
import { isTerminating } from "../pod-lifecycle.ts";
import { isPodReady } from "../pod-status.ts";
import { KeyedController } from "./keyed-controller.ts";

/**
 * The Endpoints controller: for each Service with a selector, ready pods' IPs under `subsets[].addresses`, pods with an
 * IP that are not ready under `notReadyAddresses`, pods without an IP (stuck in ContainerCreating) nowhere. With no
 * addresses at all the object carries no subsets, which kubectl prints as `<none>`.
 */
export class EndpointsController extends KeyedController {
  protected readonly resource = "services";

  protected onChange(e: StoreEvent): void {
    if (e.resource === "services") this.enqueue(e.object.metadata.namespace, e.object.metadata.name);
    // Someone deleted an Endpoints object: recreate it for its Service.
    if (e.resource === "endpoints" && e.type === "DELETED")
      this.enqueue(e.object.metadata.namespace, e.object.metadata.name);
    if (e.resource === "pods") {
      for (const svc of this.store.list("services", e.object.metadata.namespace)) {
        if (matchesServiceSelector(svc.spec?.selector, e.object.metadata.labels))
          this.enqueue(svc.metadata.namespace, svc.metadata.name);
      }
    }
  }

  protected sync(key: string): void {
    const [namespace, name] = key.split("/") as [string, string];
    const svc = this.store.get("services", namespace, name);
    const existing = this.store.get("endpoints", namespace, name);
    if (!svc) {
      if (existing) this.store.delete("endpoints", namespace, name);
      return;
    }
    // Services without a selector (like `kubernetes`) have endpoints managed elsewhere.
    if (!svc.spec?.selector || Object.keys(svc.spec.selector).length === 0) return;
    const ready: unknown[] = [];
    const notReady: unknown[] = [];
    for (const pod of this.store.list("pods", namespace)) {
      if (
        !matchesServiceSelector(svc.spec.selector, pod.metadata.labels) ||
        isTerminating(pod) ||
        !pod.status?.podIP
      )
        continue;
      const address = {
        ip: pod.status.podIP,
        nodeName: pod.spec?.nodeName,
        targetRef: { kind: "Pod", namespace, name: pod.metadata.name, uid: pod.metadata.uid },
      };
      (isPodReady(pod) ? ready : notReady).push(address);
    }
    // biome-ignore lint/suspicious/noExplicitAny: service ports are plain JSON
    const ports = (svc.spec.ports ?? []).map((p: any) => ({
      ...(p.name ? { name: p.name } : {}),
      port: typeof p.targetPort === "number" ? p.targetPort : p.port,
      protocol: p.protocol ?? "TCP",
    }));
    const subsets =
      ready.length + notReady.length === 0
        ? undefined
        : [
            {
              ...(ready.length ? { addresses: ready } : {}),
              ...(notReady.length ? { notReadyAddresses: notReady } : {}),
              ports,
            },
          ];
    if (!existing) {
      this.store.create("endpoints", {
        apiVersion: "v1",
        kind: "Endpoints",
        // Created with its Service, as the controller does within moments of it.
        metadata: {
          name,
          namespace,
          labels: { ...(svc.metadata.labels ?? {}) },
          creationTimestamp: svc.metadata.creationTimestamp,
        },
        ...(subsets ? { subsets } : {}),
      });
      return;
    }
    if (JSON.stringify(existing.subsets) === JSON.stringify(subsets)) return;
    const next: KubeObject = { ...existing };
    if (subsets) next.subsets = subsets;
    else delete next.subsets;
    this.store.update("endpoints", next);
  }
}
