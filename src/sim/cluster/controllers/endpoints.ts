import type { KubeObject } from "../../objects.ts";
import type { ObjectStore, StoreEvent } from "../../store.ts";
import { matchesServiceSelector } from "../labels.ts";
import { isTerminating } from "../pod-lifecycle.ts";
import { isPodReady } from "../pod-status.ts";
import { KeyedController } from "./keyed-controller.ts";

/** A pod a Service selects, with an IP: what both endpoint controllers publish. */
export interface ServiceBackend {
  pod: KubeObject;
  ip: string;
  ready: boolean;
  terminating: boolean;
}

/** The pods `svc` selects that have an IP (a pod stuck in ContainerCreating has none and is in neither object). */
export function serviceBackends(store: ObjectStore, svc: KubeObject): ServiceBackend[] {
  const namespace = svc.metadata.namespace;
  const out: ServiceBackend[] = [];
  for (const pod of store.list("pods", namespace)) {
    if (!matchesServiceSelector(svc.spec.selector, pod.metadata.labels) || !pod.status?.podIP) continue;
    const terminating = isTerminating(pod);
    out.push({ pod, ip: pod.status.podIP, ready: isPodReady(pod) && !terminating, terminating });
  }
  return out;
}

/** Services with a selector; the others (like `kubernetes`) have endpoints managed elsewhere. */
export function hasSelector(svc: KubeObject): boolean {
  return !!svc.spec?.selector && Object.keys(svc.spec.selector).length > 0;
}

/** The Service's ports as its backends serve them: the numeric targetPort, else the port. */
export function targetPorts(svc: KubeObject): Array<{ name: string; port: number; protocol: string }> {
  // biome-ignore lint/suspicious/noExplicitAny: service ports are plain JSON
  return (svc.spec.ports ?? []).map((p: any) => ({
    name: p.name ?? "",
    port: typeof p.targetPort === "number" ? p.targetPort : p.port,
    protocol: p.protocol ?? "TCP",
  }));
}

/** Enqueues, for a store change, the Services whose endpoints it may change (shared by both controllers). */
export function servicesConcerned(
  store: ObjectStore,
  e: StoreEvent,
  ownResource: string,
): Array<[string | undefined, string]> {
  const keys: Array<[string | undefined, string]> = [];
  if (e.resource === "services") keys.push([e.object.metadata.namespace, e.object.metadata.name]);
  if (e.resource === "pods") {
    for (const svc of store.list("services", e.object.metadata.namespace)) {
      if (matchesServiceSelector(svc.spec?.selector, e.object.metadata.labels))
        keys.push([svc.metadata.namespace, svc.metadata.name]);
    }
  }
  // Someone deleted a published object: rebuild it for its Service.
  if (e.resource === ownResource && e.type === "DELETED") {
    const service = e.object.metadata.labels?.["kubernetes.io/service-name"] ?? e.object.metadata.name;
    keys.push([e.object.metadata.namespace, service]);
  }
  return keys;
}

/**
 * The Endpoints controller: for each Service with a selector, ready pods' IPs under `subsets[].addresses`, pods with an
 * IP that are not ready under `notReadyAddresses`, pods without an IP (stuck in ContainerCreating) nowhere. With no
 * addresses at all the object carries no subsets, which kubectl prints as `<none>`.
 */
export class EndpointsController extends KeyedController {
  protected readonly resource = "services";

  protected onChange(e: StoreEvent): void {
    for (const [namespace, name] of servicesConcerned(this.store, e, "endpoints"))
      this.enqueue(namespace, name);
  }

  protected sync(key: string): void {
    const [namespace, name] = key.split("/") as [string, string];
    const svc = this.store.get("services", namespace, name);
    const existing = this.store.get("endpoints", namespace, name);
    if (!svc) {
      if (existing) this.store.delete("endpoints", namespace, name);
      return;
    }
    if (!hasSelector(svc)) return;
    const ready: unknown[] = [];
    const notReady: unknown[] = [];
    for (const backend of serviceBackends(this.store, svc)) {
      // Core Endpoints leave terminating pods out (the EndpointSlice controller keeps them, marked terminating).
      if (backend.terminating) continue;
      const { pod } = backend;
      const address = {
        ip: backend.ip,
        nodeName: pod.spec?.nodeName,
        targetRef: { kind: "Pod", namespace, name: pod.metadata.name, uid: pod.metadata.uid },
      };
      (backend.ready ? ready : notReady).push(address);
    }
    const ports = targetPorts(svc).map((p) => ({ ...(p.name ? { name: p.name } : {}), ...p }));
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
