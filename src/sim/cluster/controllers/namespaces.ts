import type { ObjectStore, StoreEvent } from "../../store.ts";
import { WorkQueue } from "../work-queue.ts";

/**
 * What kube-controller-manager puts in every namespace: the `kube-root-ca.crt` ConfigMap carrying the cluster CA
 * (root-ca-cert-publisher) and the `default` ServiceAccount (serviceaccount controller), recreated if deleted.
 */
export class NamespaceController {
  private readonly store: ObjectStore;
  private readonly caPem: string;
  private readonly queue: WorkQueue;
  private unsubscribe: (() => void) | undefined;

  constructor(store: ObjectStore, caPem: string) {
    this.store = store;
    this.caPem = caPem;
    this.queue = new WorkQueue((keys) => {
      for (const ns of keys) this.ensure(ns);
    });
  }

  start(): void {
    this.unsubscribe = this.store.subscribe((e: StoreEvent) => {
      if (e.resource === "namespaces" && e.type === "ADDED") this.queue.add(e.object.metadata.name);
      if (
        e.type === "DELETED" &&
        e.resource === "configmaps" &&
        e.object.metadata.name === "kube-root-ca.crt"
      ) {
        this.queue.add(e.object.metadata.namespace ?? "");
      }
      if (e.type === "DELETED" && e.resource === "serviceaccounts" && e.object.metadata.name === "default") {
        this.queue.add(e.object.metadata.namespace ?? "");
      }
    });
    for (const ns of this.store.list("namespaces")) this.ensure(ns.metadata.name);
  }

  stop(): void {
    this.unsubscribe?.();
    this.queue.stop();
  }

  /** Creates what is missing in `namespace`; exported for bulk scenario setup. */
  ensure(namespace: string): void {
    if (!this.store.get("namespaces", undefined, namespace)) return;
    if (!this.store.get("configmaps", namespace, "kube-root-ca.crt")) {
      this.store.create("configmaps", {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: {
          name: "kube-root-ca.crt",
          namespace,
          annotations: {
            "kubernetes.io/description":
              "Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.",
          },
        },
        data: { "ca.crt": this.caPem },
      });
    }
    if (!this.store.get("serviceaccounts", namespace, "default")) {
      this.store.create("serviceaccounts", {
        apiVersion: "v1",
        kind: "ServiceAccount",
        metadata: { name: "default", namespace },
      });
    }
  }
}
