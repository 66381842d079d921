import type { KubeObject } from "../objects.ts";
import type { ObjectStore, StoreEvent } from "../store.ts";
import { currentPod, markNetworkAvailable, writePodStatus } from "./agent-pod.ts";
import { CILIUM_CONFLIST_MODE, ciliumConflist } from "./cni-files.ts";
import type { EventRecorder } from "./events.ts";
import { recordContainerStarts } from "./kubelet.ts";
import { runningNotReadyStatus, runningStatus } from "./pod-status.ts";
import type { SimNode } from "./sim-node.ts";

/**
 * How a cilium agent pod behaves when it starts: `running` (it writes its CNI config, serves the CNI plugin on
 * /var/run/cilium/cilium.sock and turns Ready) or `not-ready` (the process runs but never finishes initialising, so it
 * never serves the socket and its readiness probe keeps failing with 503).
 */
export type CiliumAgentBehaviour = "running" | "not-ready";

export interface CiliumAgentPlan {
  /** Behaviour of the pod present when the scenario starts. */
  current: CiliumAgentBehaviour;
  /** Behaviour of any pod started later (a replacement after deletion). */
  replacement: CiliumAgentBehaviour;
}

export interface CiliumAgentOptions {
  store: ObjectStore;
  recorder: EventRecorder;
  nodes: Map<string, SimNode>;
  namespace: string;
  /** The conf dir the agent writes into (hostPath of its etc-cni-netd volume). */
  confDir: string;
  plans: Map<string, CiliumAgentPlan>;
  /** Delay between a pod being bound and the agent serving. */
  startDelayMs: number;
  /** How often the kubelet probes a not-ready agent (real: the probe's periodSeconds, 30 s). */
  probeIntervalMs: number;
}

export function isCiliumAgentPod(pod: KubeObject, namespace: string): boolean {
  return pod.metadata.namespace === namespace && pod.metadata.labels?.["k8s-app"] === "cilium";
}

/** The readiness probe's failure as the kubelet reports it (pkg/kubelet/prober/prober.go, http.go). */
const READINESS_503 = "Readiness probe failed: HTTP probe failed with statuscode: 503";

/**
 * cilium-agent on each node. The CNI plugin (`cilium-cni`) does nothing by itself: every ADD and DEL is a request to
 * the agent's API on /var/run/cilium/cilium.sock (cilium/cilium plugins/cilium-cni), so a node's pods get a network
 * only while its agent serves. A started agent writes `05-cilium.conflist` into the conf dir and serves; an agent that
 * never finishes initialising does neither, stays Running but not Ready (its /healthz on 9879 answers 503), and the
 * kubelet's liveness probe, which does not require the agent to be ready, never restarts it. Deleting its pod stops
 * it; the DaemonSet controller starts a replacement.
 */
export class CiliumAgent {
  private readonly o: CiliumAgentOptions;
  /** The pod uid serving on each node. */
  private readonly serving = new Map<string, string>();
  private readonly probes = new Map<string, { podUid: string; timer: NodeJS.Timeout }>();
  private readonly pending = new Set<NodeJS.Timeout>();
  private readonly started = new Set<string>();
  private unsubscribe: (() => void) | undefined;
  private stopped = false;

  constructor(options: CiliumAgentOptions) {
    this.o = options;
  }

  owns(pod: KubeObject): boolean {
    return isCiliumAgentPod(pod, this.o.namespace);
  }

  /** Whether an agent serves the CNI plugin's socket on the node. */
  isServing(node: string): boolean {
    return this.serving.has(node);
  }

  start(): void {
    this.unsubscribe = this.o.store.subscribe((e: StoreEvent) => {
      if (e.resource !== "pods" || !this.owns(e.object)) return;
      const pod = e.object;
      if (e.type === "DELETED" || pod.metadata.deletionTimestamp) {
        this.agentGone(pod);
        return;
      }
      if (pod.spec?.nodeName && !this.started.has(pod.metadata.uid)) {
        this.started.add(pod.metadata.uid);
        this.later(() => this.startPod(pod.metadata.namespace ?? "", pod.metadata.name), this.o.startDelayMs);
      }
    });
  }

  stop(): void {
    this.stopped = true;
    this.unsubscribe?.();
    for (const t of this.pending) clearTimeout(t);
    for (const p of this.probes.values()) clearInterval(p.timer);
  }

  /** Brings up a pod present when the scenario starts, as it was when it started at `startedAt`. */
  bootPod(pod: KubeObject, startedAt: Date): void {
    this.started.add(pod.metadata.uid);
    this.run(pod, this.planFor(pod).current, startedAt);
  }

  private planFor(pod: KubeObject): CiliumAgentPlan {
    return this.o.plans.get(pod.spec?.nodeName ?? "") ?? { current: "running", replacement: "running" };
  }

  private later(fn: () => void, ms: number): void {
    if (this.stopped) return;
    const t = setTimeout(() => {
      this.pending.delete(t);
      if (!this.stopped) fn();
    }, ms);
    t.unref();
    this.pending.add(t);
  }

  private startPod(namespace: string, name: string): void {
    const pod = this.o.store.get("pods", namespace, name);
    if (!pod || pod.metadata.deletionTimestamp) return;
    this.run(pod, this.planFor(pod).replacement, this.o.store.now());
  }

  private run(pod: KubeObject, behaviour: CiliumAgentBehaviour, startedAt: Date): void {
    const node = this.o.nodes.get(pod.spec?.nodeName ?? "");
    if (!node) return;
    if (behaviour === "not-ready") {
      writePodStatus(
        this.o.store,
        pod,
        runningNotReadyStatus(pod, node.internalIP, node.internalIP, startedAt),
      );
      recordContainerStarts(this.o.recorder, currentPod(this.o.store, pod), node.name, startedAt);
      this.failReadiness(pod, node);
      return;
    }
    node.fs.write(`${this.o.confDir}/05-cilium.conflist`, ciliumConflist(), {
      mode: CILIUM_CONFLIST_MODE,
      modifiedAt: startedAt,
    });
    this.serving.set(node.name, pod.metadata.uid);
    writePodStatus(this.o.store, pod, runningStatus(pod, node.internalIP, node.internalIP, startedAt));
    recordContainerStarts(this.o.recorder, currentPod(this.o.store, pod), node.name, startedAt);
    markNetworkAvailable(this.o.store, node, startedAt, {
      reason: "CiliumIsUp",
      message: "Cilium is running on this node",
    });
  }

  private failReadiness(pod: KubeObject, node: SimNode): void {
    const probe = () => {
      const current = this.o.store.get("pods", pod.metadata.namespace, pod.metadata.name);
      if (!current || current.metadata.deletionTimestamp) return;
      this.o.recorder.record(current, {
        type: "Warning",
        reason: "Unhealthy",
        message: READINESS_503,
        source: { component: "kubelet", host: node.name },
      });
    };
    probe();
    const timer = setInterval(probe, this.o.probeIntervalMs);
    timer.unref();
    this.probes.set(node.name, { podUid: pod.metadata.uid, timer });
  }

  /** The pod is going: its agent stops serving and its probes stop. Files it wrote stay on the node. */
  private agentGone(pod: KubeObject): void {
    const node = pod.spec?.nodeName;
    if (!node) return;
    if (this.serving.get(node) === pod.metadata.uid) this.serving.delete(node);
    const probe = this.probes.get(node);
    if (probe?.podUid === pod.metadata.uid) {
      clearInterval(probe.timer);
      this.probes.delete(node);
    }
  }
}
