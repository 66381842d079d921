/**
 * The Kubernetes transport behind NodeReader and NodeWriter: the same fixed command templates, run through
 * `pods/exec` in a short-lived agent pod on the node (src/kube/node-agent-pods.ts) instead of over SSH. No sudo: the
 * agent runs as root with every capability dropped, and sees only the node's CNI conf dir (and, in a writer, the
 * backup root), mounted at the same paths as on the node.
 *
 * - one agent pod per node at a time, started on the node's first command, reused while commands keep coming and
 *   deleted once the node has been idle for `lingerMs` (or on close); at most `concurrency` pods exist at once, so
 *   while another node waits for a pod, an idle one is deleted after `contendedLingerMs` instead;
 * - commands on one node run one at a time; none is retried;
 * - a dropped exec stream is "connection-dropped" (outcome unknown), as an SSH drop is, so remediation's rollback
 *   treats both alike; the pod is then discarded.
 */
import type { PodExecError, PodExecOptions, PodExecResult } from "../kube/exec.ts";
import type { AgentMode, AgentPodError } from "../kube/node-agent-pods.ts";
import type { V1Node } from "../kube/types.ts";
import { Limiter } from "../shared/limiter.ts";
import type { CommandTemplate } from "./commands.ts";
import { NodeAccessError } from "./errors.ts";
import { DEFAULT_CNI_CONF_DIR } from "./inventory.ts";
import type { CommandEvent } from "./node-access.ts";
import type { NodeFacts, NodeWriter } from "./node-reader.ts";
import { shellJoin } from "./shell-quote.ts";

/** What the transport needs from the cluster: NodeAgentPods fits it; tests may pass a fake. */
export interface NodeAgentBackend {
  readonly namespace: string;
  start(request: { node: string; mode: AgentMode; cniConfDir: string; backupRoot: string }): Promise<string>;
  exec(pod: string, argv: readonly string[], options: PodExecOptions): Promise<PodExecResult>;
  remove(pod: string): Promise<void>;
}

export interface KubernetesNodeAccessOptions {
  agents: NodeAgentBackend;
  /** "read" pods mount read-only; "write" pods (an approved run only) mount read-write. */
  mode: AgentMode;
  /** The cluster's Node objects, for the per-node CNI conf dir; nodes not listed get the override or the default. */
  nodes: readonly V1Node[];
  /** CNI_DOCTOR_CNI_CONF_DIR: one conf dir for every node, instead of detecting it. */
  cniConfDir: string | undefined;
  backupRoot: string;
  concurrency: number;
  commandTimeoutMs: number;
  maxOutputBytes: number;
  /** How long an idle agent pod is kept for the node's next command. */
  lingerMs?: number;
  /**
   * How long an idle agent pod is kept while another node waits for a pod (all `concurrency` exist). It only has to
   * outlast the gap between one node's consecutive commands when nothing but computation lies between them (as in
   * inspectNode), which ends before any timer fires. Holding the slot for `lingerMs` instead made a fan-out over
   * many nodes wait a whole linger per slot and node (issue 17, benchmark 3: 1.3 s per node instead of 0.3 s).
   */
  contendedLingerMs?: number;
  onCommand?: (event: CommandEvent) => void;
}

/**
 * Where a node's container runtime reads CNI configs, from what its Node object says (the kubelet version's suffix,
 * distribution labels). k3s's bundled flannel uses its own dir; a k3s with Calico installed the usual way uses
 * /etc/cni/net.d, which CNI_DOCTOR_CNI_CONF_DIR sets. Sources: k3s pkg/agent/config (AgentConfig.CNIConfDir),
 * microk8s snap/args/containerd-template.toml (conf_dir), OpenShift's Multus (multus-daemon-config: cniConfigDir).
 */
export function detectCniConfDir(node: V1Node | undefined): string {
  const version = node?.status?.nodeInfo?.kubeletVersion ?? "";
  const labels = node?.metadata?.labels ?? {};
  if (version.includes("+k3s")) return "/var/lib/rancher/k3s/agent/etc/cni/net.d";
  if (version.includes("+rke2")) return "/etc/cni/net.d";
  if ("microk8s.io/cluster" in labels) return "/var/snap/microk8s/current/args/cni-network";
  if ("node.openshift.io/os_id" in labels) return "/var/run/multus/cni/net.d";
  return DEFAULT_CNI_CONF_DIR;
}

/** How long a node whose agent pod could not start is not tried again (one diagnosis asks several times). */
const START_FAILURE_MEMORY_MS = 30_000;

/** One agent pod's lifetime on one node: its commands, one at a time, then its deletion. */
interface NodeSession {
  pod: Promise<string>;
  tail: Promise<unknown>;
  active: number;
  idle: NodeJS.Timeout | undefined;
  /** Its idle timer is the short one, kept while another node waits for a pod. */
  shortLinger: boolean;
  end: () => void;
  ended: boolean;
}

export class KubernetesNodeAccess implements NodeWriter {
  readonly #o: KubernetesNodeAccessOptions;
  readonly #limiter: Limiter;
  readonly #nodes: Map<string, V1Node>;
  readonly #sessions = new Map<string, NodeSession>();
  readonly #startFailures = new Map<string, { error: NodeAccessError; at: number }>();
  readonly #lifetimes = new Set<Promise<unknown>>();
  /** Sessions whose pod waits for a slot of the limiter (all `concurrency` pods exist). */
  #waitingForSlot = 0;
  #closed = false;

  constructor(options: KubernetesNodeAccessOptions) {
    this.#o = options;
    this.#limiter = new Limiter(options.concurrency);
    this.#nodes = new Map(options.nodes.map((n) => [n.metadata?.name ?? "", n]));
  }

  target(nodeName: string, _internalIP: string | undefined): NodeFacts {
    const cniConfDir = this.#o.cniConfDir ?? detectCniConfDir(this.#nodes.get(nodeName));
    return { nodeName, cniConfDir, sudo: false };
  }

  commandLine(nodeName: string, _internalIP: string | undefined, template: CommandTemplate<unknown>): string {
    // The pod's name is random and not known before it runs; plans show where the command runs instead.
    return `kubectl exec -n ${this.#o.agents.namespace} <agent pod on ${nodeName}> -- ${shellJoin([...template.argv])}`;
  }

  run<T>(nodeName: string, _internalIP: string | undefined, template: CommandTemplate<T>): Promise<T> {
    if (this.#closed) {
      return Promise.reject(
        new NodeAccessError("unreachable", "node access is closed; nothing was sent.", { node: nodeName }),
      );
    }
    const remembered = this.#startFailures.get(nodeName);
    if (remembered !== undefined && Date.now() - remembered.at < START_FAILURE_MEMORY_MS) {
      return Promise.reject(remembered.error);
    }
    const session = this.#session(nodeName);
    session.active++;
    if (session.idle !== undefined) clearTimeout(session.idle);
    session.idle = undefined;
    session.shortLinger = false;
    const result = session.tail.then(() => this.#runIn(nodeName, session, template));
    session.tail = result.catch(() => {});
    void session.tail.then(() => {
      session.active--;
      if (session.active === 0 && !session.ended) this.#linger(nodeName, session);
    });
    return result;
  }

  /** Keeps an idle session's pod for the node's next command: briefly when another node waits for a pod. */
  #linger(nodeName: string, session: NodeSession): void {
    if (session.idle !== undefined) clearTimeout(session.idle);
    session.shortLinger = this.#waitingForSlot > 0;
    const lingerMs = session.shortLinger ? (this.#o.contendedLingerMs ?? 10) : (this.#o.lingerMs ?? 1000);
    session.idle = setTimeout(() => this.#endSession(nodeName, session), lingerMs);
  }

  /** A node now waits for a pod: idle pods (as many as nodes wait) are kept only briefly. */
  #shortenIdleLingers(): void {
    let shortened = 0;
    for (const [name, session] of this.#sessions) {
      if (shortened >= this.#waitingForSlot) return;
      // Idle: no command running or queued, and its linger timer set (a new session has none yet).
      if (session.ended || session.active > 0 || session.idle === undefined) continue;
      // Already short: shortening it again would put its end off for as long as nodes keep arriving.
      if (!session.shortLinger) this.#linger(name, session);
      shortened++;
    }
  }

  #session(nodeName: string): NodeSession {
    const existing = this.#sessions.get(nodeName);
    if (existing !== undefined && !existing.ended) return existing;
    let end!: () => void;
    const ended = new Promise<void>((resolve) => {
      end = resolve;
    });
    let started!: (pod: string) => void;
    let failed!: (err: unknown) => void;
    const pod = new Promise<string>((resolve, reject) => {
      started = resolve;
      failed = reject;
    });
    pod.catch(() => {});
    const request = {
      node: nodeName,
      mode: this.#o.mode,
      cniConfDir: this.target(nodeName, undefined).cniConfDir,
      backupRoot: this.#o.backupRoot,
    };
    this.#waitingForSlot++;
    const lifetime = this.#limiter.run(async () => {
      this.#waitingForSlot--;
      let name: string;
      try {
        name = await this.#o.agents.start(request);
      } catch (err) {
        failed(err);
        return;
      }
      started(name);
      await ended;
      await this.#o.agents.remove(name).catch(() => {});
    });
    this.#lifetimes.add(lifetime);
    void lifetime.finally(() => this.#lifetimes.delete(lifetime));
    const session: NodeSession = {
      pod,
      tail: Promise.resolve(),
      active: 0,
      idle: undefined,
      shortLinger: false,
      end,
      ended: false,
    };
    this.#sessions.set(nodeName, session);
    if (this.#waitingForSlot > 0) this.#shortenIdleLingers();
    return session;
  }

  #endSession(nodeName: string, session: NodeSession): void {
    if (session.ended) return;
    session.ended = true;
    if (session.idle !== undefined) clearTimeout(session.idle);
    if (this.#sessions.get(nodeName) === session) this.#sessions.delete(nodeName);
    session.end();
  }

  async #runIn<T>(nodeName: string, session: NodeSession, template: CommandTemplate<T>): Promise<T> {
    const commandLine = this.commandLine(nodeName, undefined, template);
    const started = performance.now();
    const report = (outcome: "ok" | "error", errorKind?: string) =>
      this.#o.onCommand?.({
        node: nodeName,
        template: template.name,
        commandLine,
        durationMs: performance.now() - started,
        outcome,
        ...(errorKind === undefined ? {} : { errorKind }),
      });
    try {
      let pod: string;
      try {
        pod = await session.pod;
      } catch (err) {
        const error = agentPodFailure(err, nodeName);
        this.#startFailures.set(nodeName, { error, at: Date.now() });
        this.#endSession(nodeName, session);
        throw error;
      }
      let result: PodExecResult;
      try {
        result = await this.#o.agents.exec(pod, template.argv, {
          timeoutMs: this.#o.commandTimeoutMs,
          maxStdoutBytes: template.maxStdoutBytes ?? this.#o.maxOutputBytes,
          maxStderrBytes: this.#o.maxOutputBytes,
        });
      } catch (err) {
        const error = execFailure(err, nodeName, commandLine, this.#o.agents.namespace);
        // A pod whose stream dropped or hung may be going away: the next command gets a fresh one.
        if (error.kind !== "command-failed") this.#endSession(nodeName, session);
        throw error;
      }
      const value = template.interpret(result, { node: nodeName, commandLine });
      report("ok");
      return value;
    } catch (err) {
      report("error", (err as { kind?: string }).kind ?? "unexpected");
      throw err;
    }
  }

  /** Deletes every agent pod this access started and waits until that is done. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const [name, session] of [...this.#sessions]) this.#endSession(name, session);
    await Promise.allSettled([...this.#lifetimes]);
  }
}

function agentPodFailure(err: unknown, node: string): NodeAccessError {
  const e = err as AgentPodError;
  if (e?.name !== "AgentPodError") {
    return new NodeAccessError(
      "agent-pod-unavailable",
      `no agent pod: ${(err as Error)?.message ?? String(err)}`,
      {
        node,
        cause: err,
      },
    );
  }
  const kind = e.failure === "forbidden" ? "forbidden" : "agent-pod-unavailable";
  return new NodeAccessError(kind, `not inspected: ${e.message}`, { node, cause: err });
}

function execFailure(err: unknown, node: string, command: string, namespace: string): NodeAccessError {
  const e = err as PodExecError;
  const details = { node, command, cause: err };
  if (e?.name !== "PodExecError") {
    return new NodeAccessError(
      "command-failed",
      `\`${command}\` failed: ${(err as Error)?.message ?? String(err)}`,
      details,
    );
  }
  switch (e.failure) {
    case "refused":
      if (e.httpStatus === 403) {
        // The WebSocket handshake's 403 carries no Status client-node reads, so say what the API server refused in
        // its own words (authorization's "cannot VERB resource ...") and which rule grants it.
        return new NodeAccessError(
          "forbidden",
          `${e.message}: cannot create resource "pods/exec" in API group "" in the namespace "${namespace}"; nothing ran.`,
          {
            ...details,
            hint: `Grant the bot's ServiceAccount verb "create" on resource "pods/exec" in namespace ${namespace}.`,
          },
        );
      }
      return new NodeAccessError("agent-pod-unavailable", `${e.message}; nothing ran.`, {
        ...details,
        hint: "The agent pod may have been evicted or deleted; run again.",
      });
    case "failed":
      return new NodeAccessError("command-failed", `\`${command}\` did not run: ${e.message}.`, {
        ...details,
        hint: "Is the agent image one with GNU coreutils and findutils (CNI_DOCTOR_NODE_AGENT_IMAGE)?",
      });
    case "timeout":
      return new NodeAccessError(
        "command-timeout",
        `${e.message}; it may still be running in the agent pod.`,
        {
          ...details,
          hint: "The pod is deleted; check the node's disk and load before running it again.",
        },
      );
    case "dropped":
      return new NodeAccessError("connection-dropped", `${e.message}, and it was not retried.`, {
        ...details,
        hint: "Was the agent pod evicted or the API server restarted? Look at the node before running it again.",
      });
    default:
      return new NodeAccessError("unreachable", `${e.message}; nothing ran.`, details);
  }
}

/** What opening the transport needs beyond running commands: the start-up sweep and a namespace check. */
export interface NodeAgentAdmin extends NodeAgentBackend {
  sweep(): Promise<string[]>;
  namespaceExists(): Promise<boolean | "forbidden">;
}
