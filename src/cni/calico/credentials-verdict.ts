/**
 * Calico's verdict on its CNI credentials (calico-kubeconfig), for the families whose cause lives there. The causes of
 * Calico's "connection is unauthorized: Unauthorized" differ on disk:
 * - stale config from an earlier cluster: the kubeconfig's CA is not this cluster's (kube-root-ca.crt), or the API
 *   server rejects the token (not for expiry) and the file predates the node's join or its issuer is foreign. A file
 *   older than the Node object is never enough on its own: a Node deleted and re-registered (or a replacement VM with
 *   the same name) keeps calico-node's good files, which are then older than the Node;
 * - clock skew: the node's clock is far off and the token looks valid by it but not by the API server's;
 * - expired: `exp` is in the past and nothing refreshed the file;
 * - revoked: not expired, yet the API server rejects it, or its service account was recreated, or its bound pod is gone.
 * Each verdict carries the lines that prove it; none of them holds a secret. Pure.
 */

import { describeAgent } from "../../diagnosis/findings/agent-status.ts";
import type {
  CalicoKubeconfigForensics,
  ClockSkew,
  NodeVerdict,
  TokenForensics,
} from "../../diagnosis/forensics/inspection.ts";
import {
  duration,
  keep,
  keepUnread,
  type RefineInput,
  unreadableLines,
  verdict,
} from "../../diagnosis/forensics/verdict.ts";
import type { RootCause } from "../../diagnosis/model.ts";

/** The API server tolerates this much skew in token times (jwt.DefaultLeeway); beyond it, skew can matter. */
export const CLOCK_SKEW_TOLERANCE_MS = 60_000;
/** calico-node (v3.23.2+) refreshes the token every 6-12 h; a file older than this was not refreshed. */
export const REFRESH_WINDOW_MS = 12 * 60 * 60 * 1000;

/** The verdict from calico-kubeconfig, or the cluster-side one (with what the files show) when they settle nothing. */
export function judgeCalicoCredentials(input: RefineInput, confFacts: string[]): NodeVerdict {
  const { forensics: f } = input;
  const k = f.kubeconfig;
  if (!k || k.status === "missing") {
    const facts = [
      `${f.cniConfDir}/calico-kubeconfig is missing: the Calico CNI plugin has no credentials here.`,
    ];
    if (input.agentName && (input.agent === null || !input.agent.ready)) {
      return verdict("cni-agent-not-running", "high", [
        ...facts,
        `${describeAgent(input.agent, input.agentName)}; its install-cni init container writes that file when it starts.`,
      ]);
    }
    return keep(input, [...facts, ...confFacts]);
  }
  if (k.status === "unreadable") return keepUnread(input, f);
  if (k.status === "unparsable")
    return keep(input, [`${k.path} cannot be parsed: ${k.problem}.`, ...confFacts]);
  const judged = judgeCredentials(input, k);
  const unread = unreadableLines(f);
  return unread.length > 0 ? { ...judged, facts: [...judged.facts, ...unread] } : judged;
}

/** What the token and the file say, read once for every rule below. */
interface TokenReading {
  t: TokenForensics | null;
  claims: TokenForensics["claims"];
  review: TokenForensics["review"] | undefined;
  rejected: boolean;
  exp: number | null;
  expiredByUs: boolean;
  expiredByServer: boolean;
  reviewSays: (pattern: RegExp) => boolean;
  reviewLine: string | null;
  tokenLine: string;
  /** The file was last written before the Node object was created. */
  predatesNode: boolean;
  modified: number;
  joined: number;
}

function readToken(input: RefineInput, k: CalicoKubeconfigForensics): TokenReading {
  const t = k.token;
  const claims = t?.claims ?? null;
  const review = t?.review;
  const exp = claims?.expiresAt ? Date.parse(claims.expiresAt) : null;
  const reviewSays = (pattern: RegExp) =>
    review?.status === "rejected" && review.error !== null && pattern.test(review.error);
  const modified = k.modifiedAt ? Date.parse(k.modifiedAt) : Number.NaN;
  const joined = input.nodeCreatedAt ? Date.parse(input.nodeCreatedAt) : Number.NaN;
  return {
    t,
    claims,
    review,
    rejected: review?.status === "rejected",
    exp,
    expiredByUs: exp !== null && exp <= input.now.getTime(),
    expiredByServer: reviewSays(/expired/i),
    reviewSays,
    reviewLine:
      review?.status === "rejected"
        ? `TokenReview: the API server rejects the token${review.error ? `: "${review.error}"` : " (no reason given)"}.`
        : review?.status === "authenticated"
          ? `TokenReview: the API server accepts the token${review.username ? ` as ${review.username}` : ""}.`
          : review
            ? `TokenReview could not be asked: ${review.reason}.`
            : null,
    tokenLine: t ? describeToken(t) : `${k.path} holds no token.`,
    predatesNode: modified < joined,
    modified,
    joined,
  };
}

/**
 * Stale: the file belongs to another cluster. A foreign CA proves it by itself. Everything else only hints at it and
 * counts when the API server rejects the token for a reason other than its age: a file older than the Node object is
 * what a re-registered Node (or a replacement VM of the same name) shows with perfectly good files. A service account
 * that changed or vanished is staleness beside those, revocation without them.
 */
function staleOrRevokedFacts(input: RefineInput, k: CalicoKubeconfigForensics, r: TokenReading) {
  const stale: string[] = [];
  const revoked: string[] = [];
  const foreignCa = k.caMatchesCluster === false;
  if (foreignCa) {
    stale.push(
      `${k.path} trusts CA ${short(k.caFingerprint)}, which is not this cluster's CA (kube-root-ca.crt): it was written for another cluster.`,
    );
  }
  const hints: string[] = [];
  if (r.predatesNode) {
    hints.push(
      `${k.path} was last written ${k.modifiedAt}, ${duration(r.joined - r.modified)} before the node joined this cluster (${input.nodeCreatedAt}).`,
    );
  }
  if (r.t?.issuerMatchesCluster === false) {
    hints.push(`The token's issuer ${r.claims?.issuer} is not one this cluster's API server issues.`);
  }
  const rejectedNotForAge = r.rejected && !r.expiredByUs && !r.expiredByServer;
  if (foreignCa || rejectedNotForAge) stale.push(...hints);
  const sa = r.claims?.serviceAccount;
  const saName = sa ? `${sa.namespace ?? "?"}/${sa.name ?? "?"}` : "unknown service account";
  const live = r.t?.liveServiceAccount;
  if (live?.status === "found" && live.matchesToken === false) {
    const line = `The token's service account ${saName} has uid ${sa?.uid}, but the live one has uid ${live.uid}.`;
    // Another cluster's token names another uid; so does this cluster's after the account was recreated.
    (stale.length > 0 ? stale : revoked).push(
      stale.length > 0
        ? line
        : `${line} The service account was deleted and recreated after the token was issued.`,
    );
  }
  if (live?.status === "missing") {
    (stale.length > 0 ? stale : revoked).push(
      `The token's service account ${saName} does not exist in this cluster.`,
    );
  }
  return { stale, revoked, hints, isStale: stale.length > 0 && (foreignCa || rejectedNotForAge) };
}

function judgeCredentials(input: RefineInput, k: CalicoKubeconfigForensics): NodeVerdict {
  const r = readToken(input, k);
  const review = r.reviewLine ? [r.reviewLine] : [];
  const facts = staleOrRevokedFacts(input, k, r);
  if (facts.isStale) {
    return verdict("stale-cni-config", "high", [
      ...facts.stale,
      r.tokenLine,
      ...review,
      writerLine(k, input),
    ]);
  }
  const skewed = judgeClockSkew(input, r);
  if (skewed) return skewed;
  if (r.expiredByUs || r.expiredByServer) {
    const lines = [
      r.exp !== null
        ? `The token expired at ${r.claims?.expiresAt} (${duration(input.now.getTime() - r.exp)} before this check).`
        : "The API server says the token has expired.",
      ...review,
      writerLine(k, input),
      r.tokenLine,
    ];
    return verdict("cni-token-expired", r.rejected || r.review === undefined ? "high" : "medium", lines);
  }
  const revoked = revokedFacts(input, r, facts.revoked);
  if (revoked.length > 0) {
    const live = r.t?.liveServiceAccount;
    return verdict("cni-token-revoked", r.rejected || live?.status === "found" ? "high" : "medium", [
      ...revoked,
      ...review,
      r.tokenLine,
      writerLine(k, input),
    ]);
  }
  return judgeCurrent(input, k, r, facts.hints);
}

/** The token looks valid by the node's clock but not by the API server's: calico-node sees no reason to refresh it. */
function judgeClockSkew(input: RefineInput, r: TokenReading): NodeVerdict | null {
  const skew = input.forensics.clock;
  if (!skew || !skewMatters(skew)) return null;
  const nodeNow = input.now.getTime() + skew.offsetMs;
  const looksValidToNode = r.exp !== null && r.exp > nodeNow;
  if (!(((r.expiredByUs || r.expiredByServer) && looksValidToNode) || r.reviewSays(/not valid yet/i)))
    return null;
  return verdict("clock-skew", skew.reference === "api-server" ? "high" : "medium", [
    clockLine(skew),
    `By the node's clock the token is still valid until ${r.claims?.expiresAt}; by the API server's it is not, so calico-node sees no reason to refresh it.`,
    r.tokenLine,
    ...(r.reviewLine ? [r.reviewLine] : []),
  ]);
}

/** Not expired, yet rejected or orphaned: revoked. */
function revokedFacts(input: RefineInput, r: TokenReading, revoked: string[]): string[] {
  const out = [...revoked];
  const bound = r.t?.boundPod;
  if (r.claims?.pod && bound && bound.status !== "unknown" && bound.status !== "exists") {
    out.push(
      `The token is bound to pod ${r.claims.serviceAccount?.namespace ?? "?"}/${r.claims.pod.name}${bound.status === "gone" ? ", which no longer exists" : `, which was replaced (live uid ${bound.liveUid})`}: a bound token dies with its pod. Calico < v3.23.2 used calico-node's own pod token; upgrading avoids this.`,
    );
  }
  if (r.rejected && (r.exp === null || r.exp > input.now.getTime())) {
    out.unshift(
      `The token has not expired (${r.exp === null ? "it has no expiry" : `expires ${r.claims?.expiresAt}`}) but the API server rejects it.`,
    );
  }
  return out;
}

/** The file shows nothing wrong right now. */
function judgeCurrent(
  input: RefineInput,
  k: CalicoKubeconfigForensics,
  r: TokenReading,
  hints: string[],
): NodeVerdict {
  // Not stale: a file older than the Node is worth saying, with why it proves nothing here.
  const olderThanNode = r.predatesNode
    ? [
        `${k.path} was last written ${k.modifiedAt}, ${duration(r.joined - r.modified)} before this Node object was created (${input.nodeCreatedAt}); on its own that is not staleness: its CA is ${k.caMatchesCluster ? "this cluster's" : "not known to differ from this cluster's"}${r.review?.status === "authenticated" ? " and the API server accepts its token" : ""}, as after a Node is deleted and re-registered or replaced by a VM of the same name.`,
      ]
    : [];
  const issuerHint =
    r.t?.issuerMatchesCluster === false ? hints.filter((h) => h.startsWith("The token's issuer")) : [];
  const skew = input.forensics.clock;
  const current = [
    ...(r.reviewLine ? [r.reviewLine] : []),
    r.tokenLine,
    writerLine(k, input),
    ...olderThanNode,
    ...issuerHint,
    ...(skew && skewMatters(skew) ? [clockLine(skew)] : []),
  ];
  if (r.review?.status !== "authenticated") return keep(input, current);
  current.push(
    "The node's current credentials work: the events may predate a refresh, so recreate one stuck pod to see whether the failure persists.",
  );
  // The files are this cluster's and the API server accepts their token: a credential cause guessed from the events
  // alone no longer holds for this node, and keeping it would plan moving good files aside.
  const credentialGuess = CREDENTIAL_CAUSES.has(input.clusterVerdict.rootCause);
  return {
    ...input.clusterVerdict,
    rootCause: credentialGuess ? "unknown" : input.clusterVerdict.rootCause,
    confidence: "low",
    facts: current,
  };
}

/** Causes about the CNI plugin's credentials, which a working token on the node rules out. */
const CREDENTIAL_CAUSES: ReadonlySet<RootCause> = new Set([
  "stale-cni-config",
  "cni-token-expired",
  "cni-token-revoked",
]);

function skewMatters(skew: ClockSkew): boolean {
  return Math.abs(skew.offsetMs) - skew.uncertaintyMs > CLOCK_SKEW_TOLERANCE_MS;
}

function clockLine(skew: ClockSkew): string {
  const direction = skew.offsetMs > 0 ? "ahead of" : "behind";
  const reference =
    skew.reference === "api-server"
      ? "the API server's clock"
      : "cni-doctor's clock (the API server's clock was not read)";
  return `The node's clock is ${duration(Math.abs(skew.offsetMs))} ${direction} ${reference}, ± ${Math.ceil(skew.uncertaintyMs)} ms.`;
}

function writerLine(k: CalicoKubeconfigForensics, input: RefineInput): string {
  const who =
    k.writer === "calico-node-refresher"
      ? "calico-node's token refresher wrote it last"
      : k.writer === "install-cni"
        ? "install-cni wrote it (no 'Installed by calico/node.' header: the refresher never rewrote it)"
        : "its header is not Calico's";
  const age = k.modifiedAt
    ? `last written ${k.modifiedAt} (${duration(input.now.getTime() - Date.parse(k.modifiedAt))} ago)`
    : "";
  const agent = input.agent
    ? `; ${describeAgent(input.agent, input.agentName ?? "the CNI agent")}, started ${input.agent.startedAt ?? "at an unknown time"}`
    : input.agentName
      ? `; no ${input.agentName} pod runs on the node`
      : "";
  const started = input.agent?.startedAt ? Date.parse(input.agent.startedAt) : Number.NaN;
  const modified = k.modifiedAt ? Date.parse(k.modifiedAt) : Number.NaN;
  const order =
    modified < started
      ? ` — older than the running agent, which should have rewritten it when it started`
      : "";
  const stale =
    modified < input.now.getTime() - REFRESH_WINDOW_MS ? `, longer ago than the 12 h refresh window` : "";
  return `${k.path}: ${who}; ${age}${stale}${agent}${order}.`;
}

function describeToken(t: TokenForensics): string {
  const c = t.claims;
  if (!c) return `The token (${t.fingerprint}) cannot be decoded: ${t.problem ?? "unknown format"}.`;
  const sa = c.serviceAccount;
  const parts = [
    `issuer ${c.issuer ?? "none"}`,
    `subject ${c.subject ?? "none"}`,
    ...(sa?.uid ? [`service-account uid ${sa.uid}`] : []),
    ...(c.pod ? [`bound to pod ${c.pod.name}`] : []),
    `issued ${c.issuedAt ?? "unknown"}`,
    c.expiresAt ? `expires ${c.expiresAt}` : "no expiry (legacy secret token)",
  ];
  return `Token ${t.fingerprint}: ${parts.join(", ")}.`;
}

function short(fingerprint: string | null): string {
  return fingerprint ? `sha256:${fingerprint.slice(0, 16)}` : "(none)";
}
