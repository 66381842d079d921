import { X509Certificate } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { KubeConfig } from "@kubernetes/client-node";
import type { ClusterIdentity } from "./types.ts";

export interface ClusterSelection {
  /** Path of a kubeconfig file; default: $KUBECONFIG, ~/.kube/config, then in-cluster config. */
  kubeconfigPath?: string;
  /** Context to use instead of the file's current-context. */
  context?: string;
}

/** Bad kubeconfig input: the message says what to fix. */
export class ClusterConfigError extends Error {
  override name = "ClusterConfigError";
}

export interface LoadedCluster {
  kubeConfig: KubeConfig;
  identity: ClusterIdentity;
}

/** Loads the kubeconfig and works out which cluster it points at, refusing anything ambiguous. */
export function loadCluster(selection: ClusterSelection = {}): LoadedCluster {
  const kc = new KubeConfig();
  if (selection.kubeconfigPath !== undefined) {
    if (!existsSync(selection.kubeconfigPath)) {
      throw new ClusterConfigError(`kubeconfig file ${selection.kubeconfigPath} does not exist`);
    }
    try {
      kc.loadFromFile(selection.kubeconfigPath);
    } catch (err) {
      throw new ClusterConfigError(
        `cannot read kubeconfig ${selection.kubeconfigPath}: ${(err as Error).message}`,
      );
    }
  } else {
    try {
      kc.loadFromDefault();
    } catch (err) {
      throw new ClusterConfigError(`cannot load the default kubeconfig: ${(err as Error).message}`);
    }
  }
  if (selection.context !== undefined) {
    const names = kc.getContexts().map((c) => c.name);
    if (!names.includes(selection.context)) {
      throw new ClusterConfigError(
        `context '${selection.context}' is not in the kubeconfig; available: ${names.join(", ") || "(none)"}`,
      );
    }
    kc.setCurrentContext(selection.context);
  }
  const cluster = kc.getCurrentCluster();
  if (!cluster) {
    throw new ClusterConfigError(
      "the kubeconfig names no current cluster; pass --kubeconfig FILE (and --context NAME if it has several)",
    );
  }
  return {
    kubeConfig: kc,
    identity: {
      context: kc.getCurrentContext() || "in-cluster",
      server: cluster.server,
      caFingerprint: caFingerprint(cluster.caData, cluster.caFile),
    },
  };
}

/** SHA-256 of the first CA certificate's DER, lower-case hex, from inline data or a file. */
function caFingerprint(caData: string | undefined, caFile: string | undefined): string | null {
  let pem: string | undefined;
  if (caData) pem = Buffer.from(caData, "base64").toString("utf8");
  else if (caFile && existsSync(caFile)) pem = readFileSync(caFile, "utf8");
  if (!pem) return null;
  try {
    return new X509Certificate(pem).fingerprint256.replaceAll(":", "").toLowerCase();
  } catch {
    return null;
  }
}
