import type { KubeObject } from "../../objects.ts";
import { randomSuffix, type StoreEvent } from "../../store.ts";
import { hasSelector, serviceBackends, servicesConcerned, targetPorts } from "./endpoints.ts";
import { KeyedController } from "./keyed-controller.ts";

const SERVICE_NAME_LABEL = "kubernetes.io/service-name";
const MANAGED_BY_LABEL = "endpointslice.kubernetes.io/managed-by";
const MANAGED_BY = "endpointslice-controller.k8s.io";

/**
 * The EndpointSlice controller, for the one-slice-per-Service sizes a simulated cluster has (the real one splits at
 * 100 endpoints per slice). As kubernetes/kubernetes staging/src/k8s.io/endpointslice/reconciler.go and utils.go do:
 * a slice named `<service>-<random>` labelled `kubernetes.io/service-name` and `endpointslice.kubernetes.io/managed-by`,
 * owned by the Service; addressType IPv4; one endpoint per pod with an IP, with conditions ready (Ready and not
 * terminating), serving (Ready) and terminating, its nodeName and targetRef. A Service with no such pod still has a
 * slice, with no endpoints (the placeholder slice), which kubectl prints as `<unset>`.
 */
export class EndpointSliceController extends KeyedController {
  protected readonly resource = "services";

  protected onChange(e: StoreEvent): void {
    for (const [namespace, name] of servicesConcerned(this.store, e, "endpointslices"))
      this.enqueue(namespace, name);
  }

  protected sync(key: string): void {
    const [namespace, name] = key.split("/") as [string, string];
    const svc = this.store.get("services", namespace, name);
    const slices = this.store
      .list("endpointslices", namespace)
      .filter(
        (s) =>
          s.metadata.labels?.[SERVICE_NAME_LABEL] === name &&
          s.metadata.labels?.[MANAGED_BY_LABEL] === MANAGED_BY,
      );
    if (!svc || !hasSelector(svc)) {
      for (const slice of slices) this.store.delete("endpointslices", namespace, slice.metadata.name);
      return;
    }
    const endpoints = serviceBackends(this.store, svc).map(({ pod, ip, ready, terminating }) => ({
      addresses: [ip],
      conditions: { ready, serving: ready || (terminating && isPodReadyCondition(pod)), terminating },
      ...(pod.spec?.nodeName ? { nodeName: pod.spec.nodeName } : {}),
      targetRef: { kind: "Pod", namespace, name: pod.metadata.name, uid: pod.metadata.uid },
    }));
    const ports = endpoints.length === 0 ? null : targetPorts(svc);
    const [current, ...extra] = slices;
    for (const slice of extra) this.store.delete("endpointslices", namespace, slice.metadata.name);
    if (!current) {
      this.store.create("endpointslices", {
        apiVersion: "discovery.k8s.io/v1",
        kind: "EndpointSlice",
        metadata: {
          name: `${name}-${randomSuffix()}`,
          generateName: `${name}-`,
          namespace,
          labels: {
            ...(svc.metadata.labels ?? {}),
            [SERVICE_NAME_LABEL]: name,
            [MANAGED_BY_LABEL]: MANAGED_BY,
          },
          ownerReferences: [
            {
              apiVersion: "v1",
              kind: "Service",
              name,
              uid: svc.metadata.uid,
              controller: true,
              blockOwnerDeletion: true,
            },
          ],
        },
        addressType: "IPv4",
        endpoints,
        ports,
      });
      return;
    }
    if (JSON.stringify([current.endpoints, current.ports]) === JSON.stringify([endpoints, ports])) return;
    const next: KubeObject = { ...current, endpoints, ports };
    this.store.update("endpointslices", next);
  }
}

/** A terminating pod still serves while its Ready condition holds (podToEndpoint: serving = podutil.IsPodReady). */
function isPodReadyCondition(pod: KubeObject): boolean {
  return (pod.status?.conditions ?? []).some(
    (c: { type?: string; status?: string }) => c.type === "Ready" && c.status === "True",
  );
}
