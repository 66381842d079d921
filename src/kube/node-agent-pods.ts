/**
 * Short-lived node-agent pods: one per node, pinned by `nodeName`, on the host network (a host-network pod needs no
 * CNI, so it starts while the pod network is broken), mounting only that node's CNI conf dir (and, for an approved
 * run, the backup root) at the same paths as on the node, so the fixed command templates run unchanged inside it.
 * Everything happens in one namespace (default `cni-doctor-nodes`); nothing outside it is created or deleted.
 */
import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { CoreV1Api, type KubeConfig, type V1Pod } from "@kubernetes/client-node";
import { toKubeAccessError } from "./errors.ts";
import { execInPod, type PodExecOptions, type PodExecResult } from "./exec.ts";
import { sharedConnections, withTimeout } from "./request-options.ts";

export const NODE_AGENT_NAMESPACE = "cni-doctor-nodes";
export const NODE_AGENT_CONTAINER = "agent";
const MANAGED_BY = "app.kubernetes.io/managed-by";
const COMPONENT = "app.kubernetes.io/component";
const INSTANCE = "app.kubernetes.io/instance";
const NODE_LABEL = "cni-doctor.io/node";
const MODE_LABEL = "cni-doctor.io/mode";
const AGENT_SELECTOR = `${MANAGED_BY}=cni-doctor,${COMPONENT}=node-agent`;

/** Read-only pods serve diagnosis; read-write pods exist only for an approved run (a NodeWriter). */
export type AgentMode = "read" | "write";

export interface NodeAgentSettings {
  namespace: string;
  image: string;
  /** Optional: the simulator serves no PriorityClasses yet, so none is set unless configured. */
  priorityClassName: string | undefined;
  /** The pod's activeDeadlineSeconds, and how long its `sleep` lasts. */
  deadlineSeconds: number;
  /** How long a pod has to become Running before the node is given up on. */
  startTimeoutMs: number;
  requestTimeoutMs: number;
  /** The longest interval between reads of a starting pod (the first ones are shorter: pollDelayMs). */
  pollIntervalMs?: number;
}

export interface AgentPodRequest {
  node: string;
  mode: AgentMode;
  /** The node's CNI conf dir, mounted at the same path. */
  cniConfDir: string;
  /** The backup root, mounted (read-write, created if missing) in write pods only. */
  backupRoot: string;
}

export type AgentPodFailure =
  | "pod-security"
  | "forbidden"
  | "namespace-missing"
  | "image-pull"
  | "not-started"
  | "api";

/** Why a node-agent pod could not be had; the message says what to do. */
export class AgentPodError extends Error {
  override name = "AgentPodError";
  readonly failure: AgentPodFailure;
  constructor(failure: AgentPodFailure, message: string) {
    super(message);
    this.failure = failure;
  }
}

/** A label value for a node name: itself when it fits the label syntax, else a hash of it. */
function nodeLabelValue(node: string): string {
  if (/^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/.test(node)) return node;
  let h = 0;
  for (const c of node) h = (Math.imul(h, 31) + (c.codePointAt(0) ?? 0)) >>> 0;
  return `h-${h.toString(16)}`;
}

/** The pod for one node; pure, for tests and for `kubectl`-style review. */
export function agentPodManifest(
  request: AgentPodRequest,
  settings: NodeAgentSettings,
  instance: string,
  name: string,
): V1Pod {
  const writable = request.mode === "write";
  const volumes = [{ name: "cni-conf", hostPath: { path: request.cniConfDir, type: "Directory" } }];
  const mounts = [{ name: "cni-conf", mountPath: request.cniConfDir, readOnly: !writable }];
  // Diagnosis never reads backups, and DirectoryOrCreate would create one on the node: read pods do not mount it.
  if (writable) {
    volumes.push({ name: "backup", hostPath: { path: request.backupRoot, type: "DirectoryOrCreate" } });
    mounts.push({ name: "backup", mountPath: request.backupRoot, readOnly: false });
  }
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name,
      namespace: settings.namespace,
      labels: {
        [MANAGED_BY]: "cni-doctor",
        [COMPONENT]: "node-agent",
        [INSTANCE]: instance,
        [NODE_LABEL]: nodeLabelValue(request.node),
        [MODE_LABEL]: request.mode,
      },
    },
    spec: {
      nodeName: request.node,
      hostNetwork: true,
      restartPolicy: "Never",
      tolerations: [{ operator: "Exists" }],
      ...(settings.priorityClassName === undefined ? {} : { priorityClassName: settings.priorityClassName }),
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      activeDeadlineSeconds: settings.deadlineSeconds,
      terminationGracePeriodSeconds: 1,
      securityContext: { seccompProfile: { type: "RuntimeDefault" } },
      containers: [
        {
          name: NODE_AGENT_CONTAINER,
          image: settings.image,
          imagePullPolicy: "IfNotPresent",
          command: ["sleep", String(settings.deadlineSeconds)],
          // Root, yet no capability: the files are root-owned, so the owner's permission bits already allow
          // reading, creating and unlinking them (no CAP_DAC_OVERRIDE), mv across volumes chowns the copy to the
          // owner it already has (no CAP_CHOWN: chown(2) to one's own uid/gid is allowed) and sets its times as
          // owner (no CAP_FOWNER: utimensat(2) by the owner). See capabilities(7), chown(2), utimensat(2).
          securityContext: {
            runAsUser: 0,
            runAsGroup: 0,
            privileged: false,
            allowPrivilegeEscalation: false,
            capabilities: { drop: ["ALL"] },
            readOnlyRootFilesystem: true,
            seccompProfile: { type: "RuntimeDefault" },
          },
          volumeMounts: mounts,
        },
      ],
      volumes,
    },
  };
}

/** The first wait between reads of a starting agent pod; each next one doubles, up to the poll interval. */
const FIRST_POLL_DELAY_MS = 25;

/**
 * How long to wait after the `reads`-th read of a starting pod: 25, 50, 100, 200 ms, then the poll interval.
 * A host-network pod whose image is on the node can run within tens of milliseconds of its creation (the benchmark's
 * simulated kubelet: ~25 ms), and a flat 250 ms interval made every node wait a whole interval for it (issue 17,
 * benchmark 3). Backing off costs a real cluster, whose kubelet takes a second or more, about three more reads per
 * pod. Polling and not a watch: a watch needs the "watch" verb on pods, which diagnosis-only RBAC does not grant.
 */
export function pollDelayMs(reads: number, intervalMs: number): number {
  return Math.min(intervalMs, FIRST_POLL_DELAY_MS * 2 ** reads);
}

/** The waiting reason that explains a Pending agent, e.g. "ErrImagePull: ...". */
function waitingReason(pod: V1Pod): { reason: string; message: string } | undefined {
  const waiting = pod.status?.containerStatuses?.[0]?.state?.waiting;
  if (waiting?.reason === undefined) return undefined;
  return { reason: waiting.reason, message: waiting.message ?? "" };
}

export class NodeAgentPods {
  readonly #core: CoreV1Api;
  readonly #kubeConfig: KubeConfig;
  readonly #settings: NodeAgentSettings;
  /**
   * One keep-alive pool for this transport's API calls, as the cluster reader has: without it each create, status
   * read and delete of every node's pod paid a TCP connection and a TLS handshake of its own (benchmark 3).
   */
  readonly #connections = sharedConnections();
  /** Tells this process's pods from those of other processes (another CLI run, the bot). */
  readonly instance = `cni-doctor-${randomBytes(4).toString("hex")}`;

  constructor(kubeConfig: KubeConfig, settings: NodeAgentSettings) {
    this.#core = kubeConfig.makeApiClient(CoreV1Api);
    this.#kubeConfig = kubeConfig;
    this.#settings = settings;
  }

  get namespace(): string {
    return this.#settings.namespace;
  }

  #timeout() {
    return withTimeout(this.#settings.requestTimeoutMs, this.#connections);
  }

  /** Creates the agent pod for a node and waits until it runs; deletes it again if it does not. */
  async start(request: AgentPodRequest): Promise<string> {
    const name = `cni-doctor-${request.mode}-${randomBytes(5).toString("hex")}`;
    const body = agentPodManifest(request, this.#settings, this.instance, name);
    try {
      await this.#core.createNamespacedPod({ namespace: this.namespace, body }, this.#timeout());
    } catch (err) {
      throw this.#createRefusal(err, request.node);
    }
    try {
      await this.#waitRunning(name, request.node);
      return name;
    } catch (err) {
      await this.remove(name).catch(() => {});
      throw err;
    }
  }

  #createRefusal(err: unknown, node: string): AgentPodError {
    const e = toKubeAccessError(err, `create node-agent pod in namespace ${this.namespace} for node ${node}`);
    if (e.failure === "forbidden" && /violates PodSecurity/.test(e.message)) {
      return new AgentPodError(
        "pod-security",
        `${e.message}. Label the namespace: kubectl label namespace ${this.namespace} pod-security.kubernetes.io/enforce=privileged (agent pods use hostNetwork and hostPath).`,
      );
    }
    // Priority admission refuses a pod naming a PriorityClass that does not exist: not an RBAC problem.
    if (e.failure === "forbidden" && /no PriorityClass with name/.test(e.message)) {
      return new AgentPodError(
        "api",
        `${e.message}. Create that PriorityClass (manifests/priorityclass.yaml) or unset CNI_DOCTOR_NODE_AGENT_PRIORITY_CLASS.`,
      );
    }
    if (e.failure === "forbidden") {
      return new AgentPodError(
        "forbidden",
        `${e.message}. Grant the bot's ServiceAccount verb "create" on resource "pods" in namespace ${this.namespace} (a Role and RoleBinding there).`,
      );
    }
    if (e.failure === "not-found") {
      return new AgentPodError(
        "namespace-missing",
        `namespace ${this.namespace} does not exist. Create it and label it pod-security.kubernetes.io/enforce=privileged.`,
      );
    }
    return new AgentPodError("api", e.message);
  }

  async #waitRunning(name: string, node: string): Promise<void> {
    const deadline = Date.now() + this.#settings.startTimeoutMs;
    let last: { reason: string; message: string } | undefined;
    let reads = 0;
    while (Date.now() < deadline) {
      let pod: V1Pod;
      try {
        pod = await this.#core.readNamespacedPod({ namespace: this.namespace, name }, this.#timeout());
      } catch (err) {
        throw new AgentPodError(
          "api",
          toKubeAccessError(err, `read node-agent pod ${this.namespace}/${name}`).message,
        );
      }
      const phase = pod.status?.phase;
      if (phase === "Running") return;
      if (phase === "Failed" || phase === "Succeeded") {
        throw new AgentPodError(
          "not-started",
          `node-agent pod ${this.namespace}/${name} on ${node} ended (${phase}: ${pod.status?.reason ?? "no reason"}) before it ran. Check \`kubectl describe pod -n ${this.namespace} ${name}\`.`,
        );
      }
      last = waitingReason(pod) ?? last;
      await sleep(pollDelayMs(reads++, this.#settings.pollIntervalMs ?? 250));
    }
    const seconds = Math.round(this.#settings.startTimeoutMs / 1000);
    if (
      last !== undefined &&
      /ErrImagePull|ImagePullBackOff|ErrImageNeverPull|InvalidImageName/.test(last.reason)
    ) {
      throw new AgentPodError(
        "image-pull",
        `image ${this.#settings.image} could not be pulled on ${node} within ${seconds} s (${last.reason}). Set CNI_DOCTOR_NODE_AGENT_IMAGE to an image the node can pull.`,
      );
    }
    throw new AgentPodError(
      "not-started",
      `node-agent pod on ${node} did not start within ${seconds} s${last === undefined ? "" : ` (${last.reason}: ${last.message})`}. Check \`kubectl describe pod -n ${this.namespace} ${name}\` and the node.`,
    );
  }

  /** Runs an argv (no shell) in a running agent pod; throws PodExecError. */
  exec(name: string, argv: readonly string[], options: PodExecOptions): Promise<PodExecResult> {
    return execInPod(
      this.#kubeConfig,
      { namespace: this.namespace, pod: name, container: NODE_AGENT_CONTAINER },
      argv,
      options,
    );
  }

  /** Deletes one of this transport's pods; an already-gone pod is fine. */
  async remove(name: string): Promise<void> {
    try {
      await this.#core.deleteNamespacedPod(
        { namespace: this.namespace, name, gracePeriodSeconds: 0 },
        this.#timeout(),
      );
    } catch (err) {
      const e = toKubeAccessError(err, `delete node-agent pod ${this.namespace}/${name}`);
      if (e.failure !== "not-found") throw e;
    }
  }

  /**
   * Deletes leftovers of this transport: agent pods that ended, or that outlived their deadline (their process died
   * before deleting them). Pods another live process is using are left alone. Returns the names deleted.
   */
  async sweep(now = Date.now()): Promise<string[]> {
    let pods: V1Pod[];
    try {
      const list = await this.#core.listNamespacedPod(
        { namespace: this.namespace, labelSelector: AGENT_SELECTOR, limit: 500 },
        this.#timeout(),
      );
      pods = list.items;
    } catch (err) {
      const e = toKubeAccessError(err, `list node-agent pods in namespace ${this.namespace}`);
      if (e.failure === "not-found") return [];
      throw e;
    }
    const stale = pods.filter((pod) => {
      const phase = pod.status?.phase;
      if (phase === "Failed" || phase === "Succeeded") return true;
      const created = pod.metadata?.creationTimestamp;
      const deadline = pod.spec?.activeDeadlineSeconds ?? this.#settings.deadlineSeconds;
      return created !== undefined && new Date(created).getTime() + deadline * 1000 < now;
    });
    const names = stale.map((p) => p.metadata?.name ?? "").filter((n) => n !== "");
    await Promise.all(names.map((n) => this.remove(n)));
    return names;
  }

  /** Whether the agent namespace exists; "forbidden" when RBAC does not let the bot read it. */
  async namespaceExists(): Promise<boolean | "forbidden"> {
    try {
      await this.#core.readNamespace({ name: this.namespace }, this.#timeout());
      return true;
    } catch (err) {
      const e = toKubeAccessError(err, `get namespace ${this.namespace}`);
      if (e.failure === "not-found") return false;
      if (e.failure === "forbidden") return "forbidden";
      throw e;
    }
  }

  /** This process's agent pods that still exist (for tests and shutdown checks). */
  async listOwn(): Promise<string[]> {
    const list = await this.#core
      .listNamespacedPod(
        { namespace: this.namespace, labelSelector: `${AGENT_SELECTOR},${INSTANCE}=${this.instance}` },
        this.#timeout(),
      )
      .catch((err: unknown) => {
        throw toKubeAccessError(err, `list node-agent pods in namespace ${this.namespace}`);
      });
    return list.items.map((p) => p.metadata?.name ?? "");
  }
}
