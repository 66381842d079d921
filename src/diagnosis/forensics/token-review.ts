/**
 * What the cluster says about a service-account token found on a node: its claims, whether its issuer is this
 * cluster's, whether the service account and the pod it is bound to still exist, and the API server's own verdict
 * (TokenReview). The token goes only to this cluster's API server; the result holds a fingerprint, never the token.
 * Any CNI whose plugin authenticates with such a token can use it. Read-only.
 */
import type { ClusterReader } from "../../kube/reader.ts";
import type { ClusterReference } from "./cluster-reference.ts";
import type { TokenClaims, TokenForensics } from "./inspection.ts";
import type { SecretToken } from "./secrets.ts";
import { decodeTokenClaims, tokenFingerprint } from "./token-claims.ts";

export async function examineToken(
  secret: SecretToken,
  reader: ClusterReader,
  cluster: ClusterReference,
): Promise<TokenForensics> {
  const token = secret.reveal();
  const decoded = decodeTokenClaims(token);
  const claims = decoded.ok ? decoded.claims : null;
  const issuers = cluster.issuers ?? [];
  return {
    fingerprint: tokenFingerprint(token),
    lengthChars: token.length,
    claims,
    problem: decoded.ok ? null : decoded.problem,
    issuerMatchesCluster: claims?.issuer && issuers.length > 0 ? issuers.includes(claims.issuer) : null,
    liveServiceAccount: await liveServiceAccountOf(claims, reader),
    boundPod: await boundPodOf(claims, reader),
    review: await reviewOf(token, reader),
  };
}

async function liveServiceAccountOf(
  claims: TokenClaims | null,
  reader: ClusterReader,
): Promise<TokenForensics["liveServiceAccount"]> {
  const sa = claims?.serviceAccount;
  if (!sa?.namespace || !sa.name) return { status: "unknown", reason: "the token names no service account" };
  try {
    const live = await reader.getServiceAccount(sa.namespace, sa.name);
    return live === null
      ? { status: "missing" }
      : {
          status: "found",
          uid: live.metadata?.uid ?? "",
          matchesToken: sa.uid ? sa.uid === live.metadata?.uid : null,
        };
  } catch (err) {
    return { status: "unknown", reason: (err as Error).message };
  }
}

async function boundPodOf(
  claims: TokenClaims | null,
  reader: ClusterReader,
): Promise<TokenForensics["boundPod"]> {
  const namespace = claims?.serviceAccount?.namespace;
  if (!claims?.pod || !namespace) return null;
  try {
    const pod = await reader.getPod(namespace, claims.pod.name);
    const liveUid = pod?.metadata?.uid ?? null;
    return pod === null
      ? { status: "gone", liveUid: null }
      : { status: claims.pod.uid && claims.pod.uid !== liveUid ? "replaced" : "exists", liveUid };
  } catch (err) {
    return { status: "unknown", reason: (err as Error).message };
  }
}

async function reviewOf(token: string, reader: ClusterReader): Promise<TokenForensics["review"]> {
  try {
    const status = await reader.reviewToken(token);
    return status.authenticated
      ? { status: "authenticated", username: status.user?.username ?? null }
      : { status: "rejected", error: status.error ?? null };
  } catch (err) {
    return { status: "unknown", reason: (err as Error).message };
  }
}
