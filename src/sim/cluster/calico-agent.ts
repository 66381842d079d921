import type { KubeObject } from "../objects.ts";
import type { ObjectStore, StoreEvent } from "../store.ts";
import { currentPod, markNetworkAvailable, writePodStatus } from "./agent-pod.ts";
import {
  CALICO_CONFLIST_MODE,
  CALICO_KUBECONFIG_MODE,
  calicoConflist,
  calicoKubeconfigFromInstallCni,
  calicoKubeconfigFromRefresher,
} from "./cni-files.ts";
import type { EventRecorder } from "./events.ts";
import { imagePullError, recordImagePullEvents } from "./image-pull.ts";
import { recordContainerStarts } from "./kubelet.ts";
import { CALICO_NODENAME_FILE } from "./node-filesystem.ts";
import { crashLoopStatus, initImagePullStatus, runningStatus } from "./pod-status.ts";
import type { SimNode } from "./sim-node.ts";
import type { TokenAuthority } from "./token-authority.ts";

/** How a calico-node pod on a node behaves when it starts. */
export type CalicoNodeBehaviour = "running" | "crash-loop" | "image-pull-failure";

export interface CalicoNodePlan {
  /** Behaviour of the pod present when the scenario starts. */
  current: CalicoNodeBehaviour;
  /** Behaviour of any pod started later (a replacement after deletion). */
  replacement: CalicoNodeBehaviour;
  /** Whether the running agent keeps re-minting the CNI token; "stalled" means it will not within the simulation. */
  refresher: "running" | "stalled";
}

export interface CalicoAgentOptions {
  store: ObjectStore;
  authority: TokenAuthority;
  recorder: EventRecorder;
  nodes: Map<string, SimNode>;
  caPem: string;
  namespace: string;
  /** The service account whose token goes into calico-kubeconfig (calico-cni-plugin from v3.26, calico-node before). */
  cniServiceAccount: string;
  /** Conf dir calico-node writes into (hostPath of its cni-net-dir volume); usually the runtime's. */
  confDir: string;
  plans: Map<string, CalicoNodePlan>;
  /** Delay between a pod being bound and install-cni having run. */
  startDelayMs: number;
  /** How often a running agent's refresher re-mints the token (real Calico: a fraction of the 24 h lifetime). */
  refreshIntervalMs: number;
  /** How often a crash-looping agent restarts (real: back-off up to 5 minutes). */
  crashIntervalMs: number;
}

/** calico-node asks for 24 h CNI tokens (node/pkg/cni/token_watch.go). */
export const CALICO_CNI_TOKEN_SECONDS = 86_400;

export function isCalicoNodePod(pod: KubeObject, namespace: string): boolean {
  return pod.metadata.namespace === namespace && pod.metadata.labels?.["k8s-app"] === "calico-node";
}

/**
 * calico/node on each node. Starting a pod runs install-cni, which rewrites `10-calico.conflist` and
 * `calico-kubeconfig` (with a fresh TokenRequest token for the CNI service account) in the conf dir and leaves every
 * other file alone; then the main container records /var/lib/calico/nodename, its refresher rewrites the kubeconfig
 * with the "Installed by calico/node." header, and the pod turns Ready. Crash-looping agents run install-cni but never
 * write the nodename file; agents whose image cannot be pulled run nothing at all.
 */
export class CalicoAgent {
  private readonly o: CalicoAgentOptions;
  private readonly refreshers = new Map<string, { podUid: string; timer: NodeJS.Timeout }>();
  private readonly crashLoops = new Map<
    string,
    { podUid: string; timer: NodeJS.Timeout; restarts: number }
  >();
  private readonly pending = new Set<NodeJS.Timeout>();
  private readonly started = new Set<string>();
  private unsubscribe: (() => void) | undefined;
  private stopped = false;

  constructor(options: CalicoAgentOptions) {
    this.o = options;
  }

  owns(pod: KubeObject): boolean {
    return isCalicoNodePod(pod, this.o.namespace);
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
        this.later(
          () => void this.startPod(pod.metadata.namespace ?? "", pod.metadata.name, "replacement"),
          this.o.startDelayMs,
        );
      }
    });
  }

  stop(): void {
    this.stopped = true;
    this.unsubscribe?.();
    for (const t of this.pending) clearTimeout(t);
    for (const r of this.refreshers.values()) clearInterval(r.timer);
    for (const c of this.crashLoops.values()) clearInterval(c.timer);
  }

  /**
   * Brings up a pod that exists when the scenario starts, as it was when it started at `startedAt`: files written by
   * install-cni carry that time as mtime.
   */
  async bootPod(pod: KubeObject, startedAt: Date, restarts = 0): Promise<void> {
    this.started.add(pod.metadata.uid);
    await this.run(
      pod,
      this.planFor(pod).current,
      startedAt,
      restarts,
      this.planFor(pod).refresher === "running",
    );
  }

  private planFor(pod: KubeObject): CalicoNodePlan {
    return (
      this.o.plans.get(pod.spec?.nodeName ?? "") ?? {
        current: "running",
        replacement: "running",
        refresher: "running",
      }
    );
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

  private async startPod(namespace: string, name: string, which: "replacement"): Promise<void> {
    const pod = this.o.store.get("pods", namespace, name);
    if (!pod || pod.metadata.deletionTimestamp) return;
    // A freshly started agent always refreshes: that is what restarting calico-node fixes.
    await this.run(pod, this.planFor(pod)[which], this.o.store.now(), 0, true);
  }

  private async run(
    pod: KubeObject,
    behaviour: CalicoNodeBehaviour,
    startedAt: Date,
    restarts: number,
    refresherRuns: boolean,
  ): Promise<void> {
    const node = this.o.nodes.get(pod.spec?.nodeName ?? "");
    if (!node) return;
    const host = node.name;
    if (behaviour === "image-pull-failure") {
      this.imagePullFailure(pod, node, startedAt);
      return;
    }
    await this.installCni(node, startedAt);
    if (this.stopped || !this.o.store.get("pods", pod.metadata.namespace, pod.metadata.name)) return;
    if (behaviour === "crash-loop") {
      node.fs.remove(CALICO_NODENAME_FILE);
      this.crashLoop(pod, node, startedAt, restarts);
      return;
    }
    node.fs.write(CALICO_NODENAME_FILE, host, { modifiedAt: startedAt });
    await this.refreshToken(node, startedAt);
    writePodStatus(this.o.store, pod, runningStatus(pod, node.internalIP, node.internalIP, startedAt));
    recordContainerStarts(this.o.recorder, currentPod(this.o.store, pod), host, startedAt);
    markNetworkAvailable(this.o.store, node, startedAt, {
      reason: "CalicoIsUp",
      message: "Calico is running on this node",
    });
    if (refresherRuns) this.startRefresher(pod, node);
  }

  /**
   * install-cni: a kubeconfig with a fresh 24 h token for the CNI service account, then the conflist, in that order
   * (projectcalico/calico cni-plugin/pkg/install/install.go Install: writeKubeconfig, then writeCNIConfig). Both are
   * 0600; only the conflist is chmodded afterwards, so a kubeconfig that already existed keeps its mode.
   */
  private async installCni(node: SimNode, at: Date): Promise<void> {
    const kubeconfigPath = `${this.o.confDir}/calico-kubeconfig`;
    const minted = await this.o.authority.mintFor(this.o.namespace, this.o.cniServiceAccount, {
      expirationSeconds: CALICO_CNI_TOKEN_SECONDS,
    });
    node.fs.write(
      kubeconfigPath,
      calicoKubeconfigFromInstallCni({ caPem: this.o.caPem, token: minted.token }),
      { mode: CALICO_KUBECONFIG_MODE, modifiedAt: at },
    );
    node.fs.write(
      `${this.o.confDir}/10-calico.conflist`,
      calicoConflist({ nodeName: node.name, kubeconfigPath }),
      { mode: CALICO_CONFLIST_MODE, chmod: true, modifiedAt: at },
    );
  }

  private async refreshToken(node: SimNode, at?: Date): Promise<void> {
    const minted = await this.o.authority.mintFor(this.o.namespace, this.o.cniServiceAccount, {
      expirationSeconds: CALICO_CNI_TOKEN_SECONDS,
    });
    if (this.stopped) return;
    node.fs.write(
      `${this.o.confDir}/calico-kubeconfig`,
      calicoKubeconfigFromRefresher({ caPem: this.o.caPem, token: minted.token }),
      // node/pkg/cni/token_watch.go writeKubeconfig: os.WriteFile(kubeconfigPath, data, 0600), no chmod.
      { mode: CALICO_KUBECONFIG_MODE, ...(at ? { modifiedAt: at } : {}) },
    );
  }

  private startRefresher(pod: KubeObject, node: SimNode): void {
    this.stopTimers(node.name);
    const timer = setInterval(() => void this.refreshToken(node).catch(() => {}), this.o.refreshIntervalMs);
    timer.unref();
    this.refreshers.set(node.name, { podUid: pod.metadata.uid, timer });
  }

  private crashLoop(pod: KubeObject, node: SimNode, startedAt: Date, initialRestarts: number): void {
    this.stopTimers(node.name);
    const state = {
      podUid: pod.metadata.uid,
      restarts: initialRestarts,
      timer: undefined as unknown as NodeJS.Timeout,
    };
    const crash = () => {
      const current = this.o.store.get("pods", pod.metadata.namespace, pod.metadata.name);
      if (!current || current.metadata.deletionTimestamp) return;
      state.restarts++;
      const now = this.o.store.now();
      writePodStatus(
        this.o.store,
        current,
        crashLoopStatus(current, node.internalIP, startedAt, state.restarts, now),
      );
      this.o.recorder.record(currentPod(this.o.store, current), {
        type: "Warning",
        reason: "BackOff",
        message: `Back-off restarting failed container calico-node in pod ${current.metadata.name}_${current.metadata.namespace}(${current.metadata.uid})`,
        source: { component: "kubelet", host: node.name },
      });
    };
    crash();
    state.timer = setInterval(crash, this.o.crashIntervalMs);
    state.timer.unref();
    this.crashLoops.set(node.name, state);
  }

  private imagePullFailure(pod: KubeObject, node: SimNode, since: Date): void {
    const first: { image?: string } | undefined = pod.spec?.initContainers?.[0] ?? pod.spec?.containers?.[0];
    const image = first?.image ?? "";
    const pullError = imagePullError(image);
    let attempt = 0;
    const tick = () => {
      const current = this.o.store.get("pods", pod.metadata.namespace, pod.metadata.name);
      if (!current || current.metadata.deletionTimestamp) return;
      const reason = attempt % 2 === 0 ? "ErrImagePull" : "ImagePullBackOff";
      attempt++;
      writePodStatus(
        this.o.store,
        current,
        initImagePullStatus(
          current,
          node.internalIP,
          since,
          reason,
          `rpc error: code = Unknown desc = ${pullError}`,
        ),
      );
      recordImagePullEvents(this.o.recorder, currentPod(this.o.store, current), node.name, image, reason);
    };
    this.stopTimers(node.name);
    tick();
    const timer = setInterval(tick, this.o.crashIntervalMs);
    timer.unref();
    this.crashLoops.set(node.name, { podUid: pod.metadata.uid, timer, restarts: 0 });
  }

  /** The pod is going: its refresher and restarts stop with it. Files it wrote stay on the node. */
  private agentGone(pod: KubeObject): void {
    const node = pod.spec?.nodeName;
    if (!node) return;
    if (
      this.refreshers.get(node)?.podUid === pod.metadata.uid ||
      this.crashLoops.get(node)?.podUid === pod.metadata.uid
    ) {
      this.stopTimers(node);
    }
  }

  private stopTimers(node: string): void {
    const r = this.refreshers.get(node);
    if (r) clearInterval(r.timer);
    this.refreshers.delete(node);
    const c = this.crashLoops.get(node);
    if (c) clearInterval(c.timer);
    this.crashLoops.delete(node);
  }
}
