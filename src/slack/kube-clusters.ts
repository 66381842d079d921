/**
 * The ClusterDirectory over kubeconfig contexts: each allowed context is loaded once (identity with CA fingerprint,
 * a read-only reader), with the nodes file for SSH and, when a factory is given, its remediation service.
 */

import type { NodeAgentConfig } from "../config.ts";
import { type LoadedCluster, loadCluster } from "../kube/cluster-config.ts";
import { type ClusterReader, createClusterReader } from "../kube/reader.ts";
import {
  agentPodTransport,
  type CommandEvent,
  type NodeReader,
  type NodeWriter,
  openNodeAccess,
  openSshNodeAccess,
} from "../nodes/index.ts";
import { ClusterChoiceError, type ClusterDirectory, type ClusterHandle } from "./clusters.ts";
import type { RemediationPort } from "./remediation-port.ts";

export interface KubeconfigClustersOptions {
  kubeconfigPath?: string;
  /** Allowed contexts; empty means the kubeconfig's current context only (or in-cluster config). */
  contexts: string[];
  nodesFile?: string;
  /** CNI_DOCTOR_NODE_ACCESS and the agent-pod settings; absent: SSH with a nodes file, none without. */
  nodeAccess?: {
    choice: string;
    agent: NodeAgentConfig;
    concurrency: number;
    backupRoot: string;
    /** Told when auto falls back to cluster-side only, and why. */
    onNote?: (line: string) => void;
  };
  kubeRequestTimeoutMs: number;
  env: NodeJS.ProcessEnv;
  /** Builds a cluster's remediation service; absent means diagnosis only. */
  remediationFor?: (
    cluster: LoadedCluster,
    name: string,
  ) => Promise<RemediationPort | null> | RemediationPort | null;
  /** Wraps each cluster's reader when loaded (metrics, readiness; the wiring also learns its credentials to redact). */
  wrapReader?: (reader: ClusterReader, cluster: LoadedCluster) => ClusterReader;
  /** Told after every node command the diagnosis runs over SSH (metrics). */
  onNodeCommand?: (event: CommandEvent) => void;
}

export class KubeconfigClusters implements ClusterDirectory {
  private readonly options: KubeconfigClustersOptions;
  private readonly allowed: string[];
  private readonly opened = new Map<string, Promise<ClusterHandle>>();

  constructor(options: KubeconfigClustersOptions) {
    this.options = options;
    this.allowed =
      options.contexts.length > 0 ? options.contexts : [currentContextName(options.kubeconfigPath)];
  }

  names(): string[] {
    return [...this.allowed];
  }

  open(name: string): Promise<ClusterHandle> {
    if (!this.allowed.includes(name)) {
      return Promise.reject(
        new ClusterChoiceError(`cluster '${name}' is not allowed; allowed: ${this.allowed.join(", ")}`),
      );
    }
    let handle = this.opened.get(name);
    if (!handle) {
      handle = this.load(name);
      // A failed load (API server down at start) is retried on the next request.
      handle.catch(() => this.opened.delete(name));
      this.opened.set(name, handle);
    }
    return handle;
  }

  private async load(name: string): Promise<ClusterHandle> {
    const loaded = loadCluster({
      ...(this.options.kubeconfigPath ? { kubeconfigPath: this.options.kubeconfigPath } : {}),
      ...(name !== "in-cluster" ? { context: name } : {}),
    });
    const plainReader = createClusterReader(loaded.kubeConfig, loaded.identity, {
      requestTimeoutMs: this.options.kubeRequestTimeoutMs,
    });
    const reader = this.options.wrapReader?.(plainReader, loaded) ?? plainReader;
    const remediation = this.options.remediationFor ? await this.options.remediationFor(loaded, name) : null;
    return {
      name,
      identity: loaded.identity,
      reader,
      remediation,
      openNodeReader: async (): Promise<NodeReader | null> =>
        (await this.openNodeAccess(loaded, reader, "read")) ?? null,
    };
  }

  /** Node access as CNI_DOCTOR_NODE_ACCESS says: read-only agent pods for diagnosis, read-write for a run. */
  openNodeAccess(
    loaded: LoadedCluster,
    reader: ClusterReader,
    mode: "read" | "write",
  ): Promise<NodeWriter | undefined> {
    const access = this.options.nodeAccess;
    const onCommand = this.options.onNodeCommand;
    const nodesFile = this.options.nodesFile;
    if (access === undefined) {
      if (!nodesFile) return Promise.resolve(undefined);
      return openSshNodeAccess({
        nodesFile,
        env: this.options.env,
        listNodes: () => reader.listNodes(),
        ...(onCommand ? { onCommand } : {}),
      });
    }
    const onNote = access.onNote;
    return openNodeAccess({
      choice: access.choice,
      nodesFile,
      mode,
      env: this.options.env,
      kubernetes: agentPodTransport({
        kubeConfig: loaded.kubeConfig,
        agent: access.agent,
        requestTimeoutMs: this.options.kubeRequestTimeoutMs,
        listNodes: () => reader.listNodes(),
        backupRoot: access.backupRoot,
        concurrency: access.concurrency,
      }),
      ...(onCommand ? { onCommand } : {}),
      ...(onNote ? { onNote } : {}),
    });
  }
}

function currentContextName(kubeconfigPath: string | undefined): string {
  return loadCluster(kubeconfigPath ? { kubeconfigPath } : {}).identity.context;
}
