/**
 * The ClusterDirectory over kubeconfig contexts: each allowed context is loaded once (identity with CA fingerprint,
 * a read-only reader), with the nodes file for SSH and, when a factory is given, its remediation service.
 */
import { type LoadedCluster, loadCluster } from "../kube/cluster-config.ts";
import { type ClusterReader, createClusterReader } from "../kube/reader.ts";
import {
  type CommandEvent,
  loadInventory,
  NodeAccess,
  type NodeReader,
  withClusterNodes,
} from "../nodes/index.ts";
import { ClusterChoiceError, type ClusterDirectory, type ClusterHandle } from "./clusters.ts";
import type { RemediationPort } from "./remediation-port.ts";

export interface KubeconfigClustersOptions {
  kubeconfigPath?: string;
  /** Allowed contexts; empty means the kubeconfig's current context only (or in-cluster config). */
  contexts: string[];
  nodesFile?: string;
  kubeRequestTimeoutMs: number;
  env: NodeJS.ProcessEnv;
  /** Builds a cluster's remediation service; absent means diagnosis only. */
  remediationFor?: (cluster: LoadedCluster, name: string) => Promise<RemediationPort> | RemediationPort;
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
    const nodesFile = this.options.nodesFile;
    const env = this.options.env;
    const onCommand = this.options.onNodeCommand;
    return {
      name,
      identity: loaded.identity,
      reader,
      remediation,
      openNodeReader: async (): Promise<NodeReader | null> => {
        if (!nodesFile) return null;
        // An entry naming no node keeps the node it looks meant for from being dialled at its InternalIP; the
        // diagnosis then says so for that node (see withClusterNodes).
        const names = await reader.listNodes().then(
          (list) => list.flatMap((n) => (n.metadata?.name ? [n.metadata.name] : [])),
          () => undefined,
        );
        const loaded = await loadInventory(nodesFile);
        const inventory = names ? withClusterNodes(loaded, names).inventory : loaded;
        return new NodeAccess(inventory, { env, ...(onCommand ? { onCommand } : {}) });
      },
    };
  }
}

function currentContextName(kubeconfigPath: string | undefined): string {
  return loadCluster(kubeconfigPath ? { kubeconfigPath } : {}).identity.context;
}
