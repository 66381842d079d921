/** Every message names its cluster: context, API server and short CA fingerprint, so nobody acts on the wrong one. */
import { type ClusterIdentity, shortFingerprint } from "../../kube/types.ts";
import { code, escapeMrkdwn } from "./mrkdwn.ts";
import { type Block, context } from "./types.ts";

export function clusterLine(cluster: ClusterIdentity): string {
  return `:kubernetes: cluster ${code(cluster.context)} · ${escapeMrkdwn(cluster.server)} · CA ${code(shortFingerprint(cluster.caFingerprint))}`;
}

export function clusterPlain(cluster: ClusterIdentity): string {
  return `${escapeMrkdwn(cluster.context)} (${escapeMrkdwn(cluster.server)}, CA ${shortFingerprint(cluster.caFingerprint)})`;
}

export function clusterContext(cluster: ClusterIdentity): Block {
  return context(clusterLine(cluster));
}
