import type { KubeObject } from "../../objects.ts";
import type { ObjectStore, StoreEvent } from "../../store.ts";
import { isNodeReady, toleratesTaints } from "../labels.ts";
import { isTerminating } from "../pod-lifecycle.ts";
import { eventNameSuffix, isoMicros, isoSeconds } from "../time.ts";
import { WorkQueue } from "../work-queue.ts";

/**
 * The default scheduler, reduced to what the scenarios need: binds each unbound pod to a node it may run on (a
 * DaemonSet pod to the node its affinity names; anything else to a random Ready, schedulable node whose taints it
 * tolerates) and records the scheduler's "Scheduled" event. A pod nothing fits stays Pending with PodScheduled=False.
 */
export class Scheduler {
  private readonly store: ObjectStore;
  private readonly queue: WorkQueue;
  private unsubscribe: (() => void) | undefined;
  private readonly random: () => number;

  constructor(store: ObjectStore, random: () => number = Math.random) {
    this.store = store;
    this.random = random;
    this.queue = new WorkQueue((keys) => this.scheduleAll(keys));
  }

  start(): void {
    this.unsubscribe = this.store.subscribe((e: StoreEvent) => {
      if (e.resource === "pods" && e.type !== "DELETED" && !e.object.spec?.nodeName) {
        this.queue.add(`${e.object.metadata.namespace}/${e.object.metadata.name}`);
      } else if (e.resource === "nodes" && e.type !== "DELETED") {
        // A node becoming Ready may let waiting pods in.
        for (const pod of this.store.list("pods"))
          if (!pod.spec?.nodeName) this.queue.add(`${pod.metadata.namespace}/${pod.metadata.name}`);
      }
    });
    for (const pod of this.store.list("pods"))
      if (!pod.spec?.nodeName) this.queue.add(`${pod.metadata.namespace}/${pod.metadata.name}`);
  }

  stop(): void {
    this.unsubscribe?.();
    this.queue.stop();
  }

  private scheduleAll(keys: string[]): void {
    const nodes = this.store.list("nodes");
    for (const key of keys) {
      const [namespace, name] = key.split("/") as [string, string];
      const pod = this.store.get("pods", namespace, name);
      if (!pod || pod.spec?.nodeName || isTerminating(pod)) continue;
      const target = this.pickNode(pod, nodes);
      if (!target) {
        this.markUnschedulable(pod, nodes.length);
        continue;
      }
      this.store.mutate("pods", namespace, name, (draft) => {
        draft.spec.nodeName = target.metadata.name;
        draft.status = {
          ...(draft.status ?? {}),
          phase: "Pending",
          conditions: [
            {
              type: "PodScheduled",
              status: "True",
              lastProbeTime: null,
              lastTransitionTime: isoSeconds(this.store.now()),
            },
          ],
        };
      });
      recordSchedulerEvent(this.store, pod, target.metadata.name);
    }
  }

  private pickNode(pod: KubeObject, nodes: KubeObject[]): KubeObject | undefined {
    const pinned = pinnedNodeName(pod);
    if (pinned !== undefined) {
      const node = nodes.find((n) => n.metadata.name === pinned);
      return node && toleratesTaints(pod, node) ? node : undefined;
    }
    const selector: Record<string, string> = pod.spec?.nodeSelector ?? {};
    const fit = nodes.filter(
      (n) =>
        !n.spec?.unschedulable &&
        isNodeReady(n) &&
        toleratesTaints(pod, n) &&
        Object.entries(selector).every(([k, v]) => n.metadata.labels?.[k] === v),
    );
    return fit[Math.floor(this.random() * fit.length)];
  }

  private markUnschedulable(pod: KubeObject, nodeCount: number): void {
    if (
      pod.status?.conditions?.some(
        (c: { type: string; status: string }) => c.type === "PodScheduled" && c.status === "False",
      )
    )
      return;
    this.store.mutate("pods", pod.metadata.namespace, pod.metadata.name, (draft) => {
      draft.status = {
        phase: "Pending",
        conditions: [
          {
            type: "PodScheduled",
            status: "False",
            lastProbeTime: null,
            lastTransitionTime: isoSeconds(this.store.now()),
            reason: "Unschedulable",
            message: `0/${nodeCount} nodes are available: ${nodeCount} node(s) didn't match Pod's node affinity/selector.`,
          },
        ],
      };
    });
  }
}

/** The node a DaemonSet pod is pinned to through `matchFields metadata.name In [node]`, as the DaemonSet controller sets. */
export function pinnedNodeName(pod: KubeObject): string | undefined {
  const terms =
    pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
  for (const term of terms) {
    for (const field of term.matchFields ?? []) {
      if (field.key === "metadata.name" && field.operator === "In" && field.values?.length === 1)
        return field.values[0];
    }
  }
  return undefined;
}

/** The scheduler reports through events.k8s.io/v1, which shows on core/v1 as an event with eventTime and no source. */
export function recordSchedulerEvent(
  store: ObjectStore,
  pod: KubeObject,
  nodeName: string,
  at = store.now(),
): void {
  store.create("events", {
    apiVersion: "v1",
    kind: "Event",
    metadata: {
      name: `${pod.metadata.name}.${eventNameSuffix(at)}`,
      namespace: pod.metadata.namespace ?? "default",
      creationTimestamp: isoSeconds(at),
    },
    involvedObject: {
      kind: "Pod",
      namespace: pod.metadata.namespace,
      name: pod.metadata.name,
      uid: pod.metadata.uid,
      apiVersion: "v1",
      resourceVersion: pod.metadata.resourceVersion,
    },
    reason: "Scheduled",
    message: `Successfully assigned ${pod.metadata.namespace}/${pod.metadata.name} to ${nodeName}`,
    source: {},
    firstTimestamp: null,
    lastTimestamp: null,
    type: "Normal",
    eventTime: isoMicros(at),
    action: "Binding",
    reportingComponent: "default-scheduler",
    reportingInstance: "default-scheduler-k8s-master",
  });
}
