import type { KubeObject } from "../objects.ts";
import type { ObjectStore, StoreEvent } from "../store.ts";
import {
  judgeNodeNetwork,
  killPodFailure,
  type NetworkVerdict,
  sandboxCreateFailure,
} from "./cni-runtime.ts";
import type { EventRecorder } from "./events.ts";
import { imagePullError, recordImagePullEvents } from "./image-pull.ts";
import { isTerminating } from "./pod-lifecycle.ts";
import {
  containerCreatingStatus,
  DEADLINE_EXCEEDED_MESSAGE,
  deadlineExceededStatus,
  imagePullStatus,
  runningStatus,
} from "./pod-status.ts";
import type { SimNode } from "./sim-node.ts";
import { containerId, isoSeconds } from "./time.ts";
import type { TokenAuthority } from "./token-authority.ts";

export interface KubeletOptions {
  store: ObjectStore;
  recorder: EventRecorder;
  authority: TokenAuthority;
  nodes: Map<string, SimNode>;
  /** How often the kubelet resyncs: terminating pods, Node conditions, and (by default) stuck sandboxes. */
  syncPeriodMs: number;
  /**
   * How long after a failed sandbox the kubelet tries that pod again; defaults to the sync period. A long value models
   * a kubelet that has backed off: after the CNI is fixed, such a pod stays stuck until it is recreated.
   */
  sandboxRetryMs?: number;
  /** Pods whose start another model owns (calico-node); the kubelet still tears them down. */
  startedElsewhere: (pod: KubeObject) => boolean;
  /** Whether the Cilium agent is running on a node (never, in the scenarios so far). */
  ciliumAgentRunning?: (node: string) => boolean;
  /** Whether a node cannot pull an image (its registry unreachable from there): the pod waits on ErrImagePull. */
  cannotPull?: (image: string, node: string) => boolean;
}

const SANDBOX_CHANGED = "Pod sandbox changed, it will be killed and re-created.";
const NETWORK_NOT_READY_TAINT = { key: "node.kubernetes.io/not-ready", effect: "NoSchedule" };

/**
 * The kubelets of every node, as one loop. For each pod bound to a node it decides the pod's fate from that node's
 * real CNI conf dir at the moment it tries: host-network pods skip CNI; otherwise the runtime's first config decides
 * (no config: NetworkNotReady; a working plugin: Running with an IP from the node's podCIDR; a failing plugin:
 * ContainerCreating with FailedCreatePodSandBox and SandboxChanged events, retried every sync period). A pod being
 * deleted whose network teardown fails stays Terminating with FailedKillPod events until the CNI works again.
 */
export class Kubelet {
  private readonly options: KubeletOptions;
  private readonly store: ObjectStore;
  /** Pods that need the kubelet's attention: not yet running, or terminating. Keys are "namespace/name". */
  private readonly work = new Set<string>();
  /** The last sandbox id tried for a pod, by uid: a pod with none never got as far as CNI. */
  private readonly sandboxes = new Map<string, string>();
  private readonly podIps = new Map<string, { node: string; ip: string }>();
  /** When a pod whose sandbox failed may be tried again (epoch ms), by uid. */
  private readonly retryAt = new Map<string, number>();
  /** Image pull attempts of a pod whose image cannot be pulled, by uid: they alternate ErrImagePull and back-off. */
  private readonly pullAttempts = new Map<string, number>();
  /** When each started pod with activeDeadlineSeconds runs out (epoch ms), by "namespace/name". */
  private readonly deadlines = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private soon: NodeJS.Timeout | undefined;
  private ticking = false;
  private stopped = false;
  private unsubscribe: (() => void) | undefined;

  constructor(options: KubeletOptions) {
    this.options = options;
    this.store = options.store;
  }

  start(): void {
    this.unsubscribe = this.store.subscribe((e: StoreEvent) => {
      if (e.resource === "pods") this.observe(e);
    });
    for (const pod of this.store.list("pods"))
      this.observe({ type: "ADDED", resource: "pods", object: pod, resourceVersion: 0 });
    this.timer = setInterval(() => void this.tick(), this.options.syncPeriodMs);
    this.timer.unref();
    this.scheduleSoon();
  }

  stop(): void {
    this.stopped = true;
    this.unsubscribe?.();
    if (this.timer) clearInterval(this.timer);
    if (this.soon) clearTimeout(this.soon);
  }

  /** Registers the IP of a pod created already running (scenario setup), so it is released when the pod goes. */
  adoptRunningPod(pod: KubeObject): void {
    const ip = pod.status?.podIP;
    if (ip && !pod.spec?.hostNetwork && pod.spec?.nodeName)
      this.podIps.set(pod.metadata.uid, { node: pod.spec.nodeName, ip });
    if (!pod.spec?.hostNetwork) this.sandboxes.set(pod.metadata.uid, containerId());
  }

  /**
   * Replays what the kubelet would have recorded for a pod stuck since `since`, one attempt per `retryMs`: the
   * first nine sandbox failures as separate events, then the combined event with its count, and SandboxChanged.
   * Used by scenarios so a cluster starts with the history `kubectl describe` shows on a real one.
   */
  async replayStuckHistory(pod: KubeObject, since: Date, retryMs: number): Promise<void> {
    const node = this.options.nodes.get(pod.spec?.nodeName ?? "");
    if (!node) return;
    const verdict = await this.judge(node);
    const now = this.store.now().getTime();
    const attempts = Math.max(1, Math.floor((now - since.getTime()) / retryMs));
    const source = { component: "kubelet", host: node.name };
    // The first attempt comes a moment after scheduling, then one per retry interval.
    const at = (i: number) => new Date(Math.min(now, since.getTime() + 2000 + i * retryMs));
    this.writeStatus(pod, containerCreatingStatus(pod, node.internalIP, since));
    const current = this.store.mustGet("pods", pod.metadata.namespace, pod.metadata.name);
    if (verdict.kind === "not-ready") {
      this.options.recorder.record(current, {
        type: "Warning",
        reason: "NetworkNotReady",
        message: networkNotReadyMessage(verdict),
        source,
        at: at(attempts),
        firstAt: since,
        count: attempts,
      });
      return;
    }
    if (verdict.kind !== "plugin-error") return;
    const individual = Math.min(attempts, 9);
    let sandbox = "";
    for (let i = 0; i < individual; i++) {
      sandbox = containerId();
      this.options.recorder.record(current, {
        type: "Warning",
        reason: "FailedCreatePodSandBox",
        message: sandboxCreateFailure(sandbox, verdict.addError),
        source,
        at: at(i),
      });
    }
    if (attempts > individual) {
      sandbox = containerId();
      this.options.recorder.record(current, {
        type: "Warning",
        reason: "FailedCreatePodSandBox",
        message: sandboxCreateFailure(sandbox, verdict.addError),
        source,
        firstAt: at(individual),
        at: at(attempts),
        count: attempts - individual,
      });
    }
    if (attempts > 1) {
      this.options.recorder.record(current, {
        type: "Normal",
        reason: "SandboxChanged",
        message: SANDBOX_CHANGED,
        source,
        firstAt: at(1),
        at: at(attempts),
        count: attempts - 1,
      });
    }
    this.sandboxes.set(pod.metadata.uid, sandbox);
  }

  private observe(e: StoreEvent): void {
    const pod = e.object;
    const key = `${pod.metadata.namespace}/${pod.metadata.name}`;
    if (e.type === "DELETED") {
      this.work.delete(key);
      this.forgetPod(pod);
      return;
    }
    const nodeName = pod.spec?.nodeName;
    if (!nodeName || !this.options.nodes.has(nodeName)) return;
    this.trackDeadline(key, pod);
    const needsWork =
      isTerminating(pod) ||
      (!this.options.startedElsewhere(pod) &&
        pod.status?.phase !== "Running" &&
        pod.status?.phase !== "Succeeded" &&
        pod.status?.phase !== "Failed");
    if (!needsWork) {
      this.work.delete(key);
      return;
    }
    if (!this.work.has(key)) {
      this.work.add(key);
      this.scheduleSoon();
    }
  }

  /** activeDeadlineSeconds counts from the pod's startTime, whatever its phase until it ends. */
  private trackDeadline(key: string, pod: KubeObject): void {
    const seconds = pod.spec?.activeDeadlineSeconds;
    const started = pod.status?.startTime;
    const ended = pod.status?.phase === "Succeeded" || pod.status?.phase === "Failed";
    if (typeof seconds === "number" && started && !ended && !isTerminating(pod))
      this.deadlines.set(key, Date.parse(started) + seconds * 1000);
    else this.deadlines.delete(key);
  }

  /** kubernetes pkg/kubelet/active_deadline.go: past its deadline a pod fails, with a DeadlineExceeded event. */
  private enforceDeadlines(): void {
    const now = Date.now();
    for (const [key, deadline] of [...this.deadlines]) {
      if (deadline > now) continue;
      this.deadlines.delete(key);
      const [namespace, name] = key.split("/") as [string, string];
      const pod = this.store.get("pods", namespace, name);
      if (!pod) continue;
      this.writeStatus(pod, deadlineExceededStatus(pod, this.store.now()));
      this.options.recorder.record(this.current(pod), {
        type: "Normal",
        reason: "DeadlineExceeded",
        message: DEADLINE_EXCEEDED_MESSAGE,
        source: { component: "kubelet", host: pod.spec?.nodeName ?? "" },
      });
    }
  }

  private forgetPod(pod: KubeObject): void {
    const uid = pod.metadata.uid;
    const held = this.podIps.get(uid);
    if (held) this.options.nodes.get(held.node)?.ipam.release(held.ip);
    this.podIps.delete(uid);
    this.sandboxes.delete(uid);
    this.retryAt.delete(uid);
    this.pullAttempts.delete(uid);
    this.options.recorder.forget(uid);
  }

  /** A real kubelet reacts to a new pod at once rather than on its next resync. */
  private scheduleSoon(): void {
    if (this.soon || this.stopped) return;
    this.soon = setTimeout(() => {
      this.soon = undefined;
      void this.tick();
    }, 20);
    this.soon.unref();
  }

  private async judge(node: SimNode): Promise<NetworkVerdict> {
    return judgeNodeNetwork(node.fs, {
      authority: this.options.authority,
      ciliumAgentRunning: this.options.ciliumAgentRunning,
    });
  }

  private async tick(): Promise<void> {
    if (this.ticking || this.stopped) return;
    this.ticking = true;
    try {
      const verdicts = new Map<string, NetworkVerdict>();
      for (const key of [...this.work]) {
        if (this.stopped) return;
        const [namespace, name] = key.split("/") as [string, string];
        const pod = this.store.get("pods", namespace, name);
        const node = pod ? this.options.nodes.get(pod.spec?.nodeName ?? "") : undefined;
        if (!pod || !node) {
          this.work.delete(key);
          continue;
        }
        if (!isTerminating(pod) && (this.retryAt.get(pod.metadata.uid) ?? 0) > Date.now()) continue;
        let verdict = verdicts.get(node.name);
        if (!verdict && !pod.spec?.hostNetwork) {
          verdict = await this.judge(node);
          verdicts.set(node.name, verdict);
        }
        this.syncPod(pod, node, verdict);
      }
      this.syncNodeConditions();
      this.enforceDeadlines();
    } finally {
      this.ticking = false;
    }
  }

  private syncPod(pod: KubeObject, node: SimNode, verdict: NetworkVerdict | undefined): void {
    const source = { component: "kubelet", host: node.name };
    if (isTerminating(pod)) {
      const sandbox = this.sandboxes.get(pod.metadata.uid);
      if (pod.spec?.hostNetwork || sandbox === undefined || !verdict || verdict.kind !== "plugin-error") {
        this.store.delete("pods", pod.metadata.namespace, pod.metadata.name);
        return;
      }
      this.options.recorder.record(pod, {
        type: "Warning",
        reason: "FailedKillPod",
        message: killPodFailure(pod.metadata.uid, sandbox, verdict.delError),
        source,
      });
      return;
    }
    if (this.options.startedElsewhere(pod)) return;
    if (pod.spec?.hostNetwork) {
      this.startContainers(pod, node, node.internalIP);
      return;
    }
    if (!verdict) return;
    if (verdict.kind !== "ok") this.backOff(pod);
    else this.retryAt.delete(pod.metadata.uid);
    if (verdict.kind === "not-ready") {
      this.ensureCreating(pod, node);
      this.options.recorder.record(this.current(pod), {
        type: "Warning",
        reason: "NetworkNotReady",
        message: networkNotReadyMessage(verdict),
        source,
      });
      return;
    }
    const sandbox = containerId();
    this.sandboxes.set(pod.metadata.uid, sandbox);
    if (verdict.kind === "ok") {
      // A pod retried after a failed image pull keeps the address its sandbox got.
      const ip = this.podIps.get(pod.metadata.uid)?.ip ?? node.ipam.allocate();
      this.podIps.set(pod.metadata.uid, { node: node.name, ip });
      this.startContainers(pod, node, ip);
      return;
    }
    this.ensureCreating(pod, node);
    const current = this.current(pod);
    this.options.recorder.record(current, {
      type: "Warning",
      reason: "FailedCreatePodSandBox",
      message: sandboxCreateFailure(sandbox, verdict.addError),
      source,
    });
    this.options.recorder.record(current, {
      type: "Normal",
      reason: "SandboxChanged",
      message: SANDBOX_CHANGED,
      source,
    });
  }

  private backOff(pod: KubeObject): void {
    this.retryAt.set(
      pod.metadata.uid,
      Date.now() + (this.options.sandboxRetryMs ?? this.options.syncPeriodMs),
    );
  }

  private current(pod: KubeObject): KubeObject {
    return this.store.get("pods", pod.metadata.namespace, pod.metadata.name) ?? pod;
  }

  private ensureCreating(pod: KubeObject, node: SimNode): void {
    const waiting = pod.status?.containerStatuses?.[0]?.state?.waiting?.reason === "ContainerCreating";
    if (!waiting) this.writeStatus(pod, containerCreatingStatus(pod, node.internalIP, this.store.now()));
  }

  private startContainers(pod: KubeObject, node: SimNode, ip: string): void {
    const unpullable = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])].find(
      (c: { image?: string }) => this.options.cannotPull?.(c.image ?? "", node.name),
    );
    if (unpullable) {
      this.pullFailure(pod, node, ip, unpullable.image);
      return;
    }
    this.pullAttempts.delete(pod.metadata.uid);
    const now = this.store.now();
    this.writeStatus(pod, runningStatus(pod, node.internalIP, ip, now));
    recordContainerStarts(this.options.recorder, this.current(pod), node.name, now);
  }

  /**
   * An image the node cannot pull: the pod stays Pending, its container waiting on ErrImagePull, then on
   * ImagePullBackOff, alternating on each retry, with the kubelet's Pulling/Failed/BackOff events.
   */
  private pullFailure(pod: KubeObject, node: SimNode, ip: string, image: string): void {
    const attempt = this.pullAttempts.get(pod.metadata.uid) ?? 0;
    this.pullAttempts.set(pod.metadata.uid, attempt + 1);
    const reason = attempt % 2 === 0 ? "ErrImagePull" : "ImagePullBackOff";
    const pullError = imagePullError(image);
    const since = pod.status?.startTime ? new Date(pod.status.startTime) : this.store.now();
    this.writeStatus(
      pod,
      imagePullStatus(pod, node.internalIP, ip, since, {
        image,
        reason,
        pullError: `rpc error: code = Unknown desc = ${pullError}`,
      }),
    );
    this.backOff(pod);
    recordImagePullEvents(this.options.recorder, this.current(pod), node.name, image, reason);
  }

  private writeStatus(pod: KubeObject, status: KubeObject["status"]): void {
    if (!this.store.get("pods", pod.metadata.namespace, pod.metadata.name)) return;
    this.store.mutate("pods", pod.metadata.namespace, pod.metadata.name, (draft) => {
      draft.status = status;
    });
  }

  /** Node Ready follows the runtime's network readiness: no CNI config means NotReady, with the runtime's words. */
  private syncNodeConditions(): void {
    for (const node of this.options.nodes.values()) {
      const object = this.store.get("nodes", undefined, node.name);
      if (!object) continue;
      const configured = node.fs.firstCniConfig() !== undefined;
      // biome-ignore lint/suspicious/noExplicitAny: node conditions are plain JSON
      const ready = (object.status?.conditions ?? []).find((c: any) => c.type === "Ready");
      if (ready && (ready.status === "True") === configured) continue;
      const now = isoSeconds(this.store.now());
      this.store.mutate("nodes", undefined, node.name, (draft) => {
        draft.status.conditions = (draft.status.conditions ?? []).map((c: { type: string }) =>
          c.type !== "Ready" ? c : nodeReadyCondition(configured, now),
        );
        const taints: { key: string; effect: string; timeAdded?: string }[] = (
          draft.spec.taints ?? []
        ).filter((t: { key: string }) => t.key !== NETWORK_NOT_READY_TAINT.key);
        if (!configured) taints.push({ ...NETWORK_NOT_READY_TAINT, timeAdded: now });
        if (taints.length > 0) draft.spec.taints = taints;
        else delete draft.spec.taints;
      });
    }
  }
}

export function nodeReadyCondition(ready: boolean, at: string) {
  return ready
    ? {
        type: "Ready",
        status: "True",
        lastHeartbeatTime: at,
        lastTransitionTime: at,
        reason: "KubeletReady",
        message: "kubelet is posting ready status",
      }
    : {
        type: "Ready",
        status: "False",
        lastHeartbeatTime: at,
        lastTransitionTime: at,
        reason: "KubeletNotReady",
        message:
          "container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized",
      };
}

function networkNotReadyMessage(verdict: { message: string }): string {
  return `network is not ready: container runtime network not ready: ${verdict.message}`;
}

/** The kubelet's Normal events for starting a pod's containers (images already on the node). */
export function recordContainerStarts(
  recorder: EventRecorder,
  pod: KubeObject,
  host: string,
  at: Date,
): void {
  const source = { component: "kubelet", host };
  // biome-ignore lint/suspicious/noExplicitAny: container specs are plain JSON
  for (const c of [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])] as any[]) {
    recorder.record(pod, {
      type: "Normal",
      reason: "Pulled",
      message: `Container image "${c.image}" already present on machine`,
      source,
      at,
    });
    recorder.record(pod, {
      type: "Normal",
      reason: "Created",
      message: `Created container ${c.name}`,
      source,
      at,
    });
    recorder.record(pod, {
      type: "Normal",
      reason: "Started",
      message: `Started container ${c.name}`,
      source,
      at,
    });
  }
}
