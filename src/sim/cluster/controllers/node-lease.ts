import type { ObjectStore } from "../../store.ts";
import { isoMicros } from "../time.ts";

/** The kubelet's heartbeat: one Lease per node in kube-node-lease, renewed every 10 s as the real kubelet does. */
export class NodeLeaseRenewer {
  private readonly store: ObjectStore;
  private timer: NodeJS.Timeout | undefined;
  private readonly intervalMs: number;

  constructor(store: ObjectStore, intervalMs = 10_000) {
    this.store = store;
    this.intervalMs = intervalMs;
  }

  start(): void {
    this.renewAll();
    this.timer = setInterval(() => this.renewAll(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  private renewAll(): void {
    const now = isoMicros(this.store.now());
    for (const node of this.store.list("nodes")) {
      const name = node.metadata.name;
      const lease = this.store.get("leases", "kube-node-lease", name);
      if (!lease) {
        this.store.create("leases", {
          apiVersion: "coordination.k8s.io/v1",
          kind: "Lease",
          metadata: {
            name,
            namespace: "kube-node-lease",
            ownerReferences: [{ apiVersion: "v1", kind: "Node", name, uid: node.metadata.uid }],
          },
          spec: { holderIdentity: name, leaseDurationSeconds: 40, renewTime: now },
        });
      } else {
        this.store.mutate("leases", "kube-node-lease", name, (draft) => {
          draft.spec.renewTime = now;
        });
      }
    }
  }
}
