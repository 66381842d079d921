/**
 * The clusters an MCP client may name: kubeconfig contexts from CNI_DOCTOR_CLUSTERS, or the one --context (or the
 * current context) when that is empty. Each is loaded once, with a read-only ClusterReader; a tool naming any other
 * cluster gets a tool error listing the allowed ones.
 */
import { ClusterConfigError, type LoadedCluster, loadCluster } from "../kube/cluster-config.ts";
import { type ClusterReader, createClusterReader } from "../kube/reader.ts";
import { closestName } from "../shared/closest-name.ts";
import { ToolRefusal } from "./refusal.ts";

export interface McpCluster {
  name: string;
  loaded: LoadedCluster;
  reader: ClusterReader;
}

export class McpClusters {
  readonly #kubeconfigPath: string | undefined;
  readonly #allowed: string[];
  readonly #requestTimeoutMs: number;
  readonly #opened = new Map<string, McpCluster>();

  /** Loads the default cluster at once, so a bad kubeconfig stops `cni-doctor mcp` before it serves. */
  constructor(options: {
    kubeconfigPath: string | undefined;
    context: string | undefined;
    allowed: string[];
    requestTimeoutMs: number;
  }) {
    this.#kubeconfigPath = options.kubeconfigPath;
    this.#requestTimeoutMs = options.requestTimeoutMs;
    if (options.allowed.length > 0) {
      if (options.context !== undefined && !options.allowed.includes(options.context)) {
        throw new ClusterConfigError(
          `--context ${options.context} is not in CNI_DOCTOR_CLUSTERS (${options.allowed.join(", ")})`,
        );
      }
      const first = options.context ?? (options.allowed[0] as string);
      this.#allowed = [first, ...options.allowed.filter((c) => c !== first)];
      this.#load(first);
    } else {
      const loaded = this.#load(options.context);
      this.#allowed = [loaded.name];
    }
  }

  /** Allowed cluster names; the first is the default. */
  names(): string[] {
    return [...this.#allowed];
  }

  /** The named cluster (default: the first), or a ToolRefusal naming the allowed ones. */
  open(name: string | undefined): McpCluster {
    const chosen = name ?? (this.#allowed[0] as string);
    if (!this.#allowed.includes(chosen)) {
      const closest = closestName(chosen, this.#allowed);
      throw new ToolRefusal(
        "unknown-cluster",
        `cluster "${chosen}" is not one this server may use${closest ? `; did you mean "${closest}"?` : "."} Allowed: ${this.#allowed.join(", ")}.`,
      );
    }
    return this.#opened.get(chosen) ?? this.#load(chosen);
  }

  #load(context: string | undefined): McpCluster {
    const loaded = loadCluster({
      ...(this.#kubeconfigPath !== undefined ? { kubeconfigPath: this.#kubeconfigPath } : {}),
      ...(context !== undefined && context !== "in-cluster" ? { context } : {}),
    });
    const reader = createClusterReader(loaded.kubeConfig, loaded.identity, {
      requestTimeoutMs: this.#requestTimeoutMs,
    });
    const cluster = { name: loaded.identity.context, loaded, reader };
    this.#opened.set(cluster.name, cluster);
    return cluster;
  }
}
