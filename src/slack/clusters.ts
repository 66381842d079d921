/**
 * The clusters the bot may touch: the kubeconfig contexts allowed by config (or in-cluster config), each opened once
 * with its reader, identity and remediation service. A channel may name a default cluster; `--cluster` picks another
 * allowed one. Anything else is refused with the list of allowed names.
 */

import type { ClusterReader } from "../kube/reader.ts";
import type { ClusterIdentity } from "../kube/types.ts";
import type { NodeReader } from "../nodes/index.ts";
import type { RemediationPort } from "./remediation-port.ts";

export interface ClusterHandle {
  name: string;
  identity: ClusterIdentity;
  reader: ClusterReader;
  /** null when remediation is not set up for this cluster (diagnosis still works). */
  remediation: RemediationPort | null;
  /** A NodeReader for one job (diagnosis only) (closed by the caller), or null without a nodes file. */
  openNodeReader(): Promise<NodeReader | null>;
}

export interface ClusterDirectory {
  /** Allowed cluster names, in config order. */
  names(): string[];
  /** Opens (once) and returns the cluster; throws ClusterChoiceError for a name that is not allowed. */
  open(name: string): Promise<ClusterHandle>;
}

export class ClusterChoiceError extends Error {
  override name = "ClusterChoiceError";
}

/** Which cluster a request is about: `--cluster`, else the channel's default, else the only/first allowed one. */
export function chooseCluster(
  directory: Pick<ClusterDirectory, "names">,
  channelDefaults: Record<string, string>,
  channel: string,
  requested: string | undefined,
): string {
  const names = directory.names();
  if (requested !== undefined) {
    if (!names.includes(requested)) {
      throw new ClusterChoiceError(
        `cluster '${requested}' is not one this bot may use; allowed: ${names.join(", ") || "none"}`,
      );
    }
    return requested;
  }
  const fallback = channelDefaults[channel] ?? names[0];
  if (fallback === undefined) throw new ClusterChoiceError("no cluster is configured for this bot");
  return fallback;
}
