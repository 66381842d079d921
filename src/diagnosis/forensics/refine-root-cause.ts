/**
 * Refines a cluster-side root cause with what the node's files show. Pure. The rules follow how the causes of
 * Calico's "connection is unauthorized: Unauthorized" differ on disk (research notes §3):
 * - stale config from an earlier cluster: the kubeconfig's CA is not this cluster's (kube-root-ca.crt), or the API
 *   server rejects the token (not for expiry) and the file predates the node's join or its issuer is foreign. A file
 *   older than the Node object is never enough on its own: a Node deleted and re-registered (or a replacement VM with
 *   the same name) keeps calico-node's good files, which are then older than the Node;
 * - shadowing: another CNI's config sorts first in the conf dir;
 * - clock skew: the node's clock is far off and the token looks valid by it but not by the API server's;
 * - expired: `exp` is in the past and nothing refreshed the file;
 * - revoked: not expired, yet the API server rejects it, or its service account was recreated, or its bound pod is gone.
 * Each verdict carries the lines that prove it; none of them holds a secret. A file the node would not let cni-doctor
 * read settles nothing: the cluster-side verdict stays, the facts say which file, why and what to change.
 */
import { describeAgent } from "../findings/agent-status.ts";
import type { CniPlugin, Family } from "../message/classification.ts";
import type { AgentStatus, Confidence, RootCause, RootCauseVerdict } from "../model.ts";
import type {
  CalicoKubeconfigForensics,
  ClockSkew,
  NodeForensics,
  NodeVerdict,
  TokenForensics,
} from "./inspection.ts";

/** The API server tolerates this much skew in token times (jwt.DefaultLeeway); beyond it, skew can matter. */
export const CLOCK_SKEW_TOLERANCE_MS = 60_000;
/** calico-node (v3.23.2+) refreshes the token every 6-12 h; a file older than this was not refreshed. */
export const REFRESH_WINDOW_MS = 12 * 60 * 60 * 1000;

export interface RefineInput {
  family: Family;
  cni: CniPlugin;
  clusterVerdict: RootCauseVerdict;
  forensics: NodeForensics;
  agent: AgentStatus | null;
  agentName: string | null;
  deployedCnis: readonly CniPlugin[];
  /** When the Node object was created, i.e. when the node joined this cluster. */
  nodeCreatedAt: string | null;
  /** The diagnosis' clock. */
  now: Date;
}

/** Families whose cause lives in the CNI plugin's credentials or trust, which the kubeconfig settles. */
const CREDENTIAL_FAMILIES: readonly Family[] = ["cni-credentials-rejected", "cni-apiserver-untrusted"];
/** Meta-plugins that legitimately come first and delegate to the real CNI. */
const DELEGATING: readonly CniPlugin[] = ["multus"];

export function refineRootCause(input: RefineInput): NodeVerdict {
  const { forensics: f, family } = input;
  if (family === "unknown") return keep(input, []);

  const shadowing = judgeShadowing(input);
  if (shadowing) return shadowing;

  const confFacts = confDirFacts(f);
  if (family === "cni-config-missing" || family === "cni-agent-not-running") {
    return judgeMissingConfigOrAgent(input, confFacts);
  }
  if (!CREDENTIAL_FAMILIES.includes(family) || input.cni !== "calico")
    return keepWithUnread(input, confFacts);

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

/** Every file the node refused to let cni-doctor read, as one line each (what, why, what to change). */
function unreadableLines(f: NodeForensics): string[] {
  return [
    ...f.configFiles.flatMap((c) => (c.unreadable ? [c.unreadable.message] : [])),
    ...(f.kubeconfig?.unreadable ? [f.kubeconfig.unreadable.message] : []),
  ];
}

/**
 * The files that would settle the cause could not be read: no verdict is guessed from them. The cluster-side verdict
 * and its confidence stand (never raised), exactly as for a node that was not inspected, and the facts lead with what
 * could not be read and why.
 */
function keepUnread(input: RefineInput, f: NodeForensics): NodeVerdict {
  const cluster = input.clusterVerdict;
  const facts = cluster.facts.filter((fact) => !fact.startsWith("Cluster-side guess"));
  return {
    rootCause: cluster.rootCause,
    confidence: cluster.confidence === "high" ? "medium" : cluster.confidence,
    facts: [
      ...unreadableLines(f),
      ...facts,
      `Cluster-side guess only: ${f.node}'s CNI files were listed but not read, so a stale kubeconfig from an earlier cluster, an expired token and a revoked token cannot be told apart. Re-run once cni-doctor can read them.`,
    ],
  };
}

function judgeShadowing(input: RefineInput): NodeVerdict | null {
  const { forensics: f } = input;
  const active = f.configFiles[0];
  if (!active || active.problem !== null || input.deployedCnis.length === 0) return null;
  if (
    input.deployedCnis.includes(active.cni) ||
    DELEGATING.includes(active.cni) ||
    active.cni === "unknown"
  ) {
    return null;
  }
  const live = f.configFiles.filter((c) => input.deployedCnis.includes(c.cni));
  const unread = f.configFiles.filter((c) => c.unreadable);
  const entry = f.confDir.entries.find((e) => e.name === active.name);
  const facts = [
    `The runtime uses ${f.cniConfDir}/${active.name} (${active.cni}, plugins ${active.pluginTypes.join(" → ")}): it sorts first among the conf dir's ${f.configFiles.length} config file${f.configFiles.length === 1 ? "" : "s"}.`,
    `No ${active.cni} agent is deployed; the cluster runs ${input.deployedCnis.join(", ")}.`,
    live.length > 0
      ? `${live.map((c) => c.name).join(", ")} (${input.deployedCnis.join(", ")}) sort${live.length === 1 ? "s" : ""} after it and ${live.length === 1 ? "is" : "are"} never used.`
      : unread.length > 0
        ? `${unread.map((c) => c.name).join(", ")} sort${unread.length === 1 ? "s" : ""} after it but could not be read, so whether ${input.deployedCnis.join(", ")}'s config is there is unknown.`
        : `No config of ${input.deployedCnis.join(", ")} is present at all.`,
  ];
  if (entry) facts.push(`${active.name}: ${describeEntry(entry)}.`);
  facts.push(...unreadableLines(f));
  return verdict("shadowing-cni-config", live.length > 0 ? "high" : "medium", facts);
}

function judgeMissingConfigOrAgent(input: RefineInput, confFacts: string[]): NodeVerdict {
  const { forensics: f } = input;
  const agentDown = input.agentName !== null && (input.agent === null || !input.agent.ready);
  if (f.configFiles.length === 0 && agentDown) {
    return verdict("cni-agent-not-running", "high", [
      `${f.cniConfDir} holds no CNI config file the runtime would use.`,
      `${describeAgent(input.agent, input.agentName as string)}; it writes the config when it starts.`,
    ]);
  }
  return keepWithUnread(input, confFacts);
}

/** keep(), but a verdict the active config would have confirmed loses its certainty when that file was unreadable. */
function keepWithUnread(input: RefineInput, extra: string[]): NodeVerdict {
  const kept = keep(input, extra);
  if (!input.forensics.configFiles[0]?.unreadable) return kept;
  return { ...kept, confidence: kept.confidence === "high" ? "medium" : kept.confidence };
}

function judgeCredentials(input: RefineInput, k: CalicoKubeconfigForensics): NodeVerdict {
  const { now } = input;
  const t = k.token;
  const file = k.path;
  const facts = {
    stale: [] as string[],
    expired: [] as string[],
    revoked: [] as string[],
  };

  const claims = t?.claims ?? null;
  const review = t?.review;
  const rejected = review?.status === "rejected";
  const exp = claims?.expiresAt ? Date.parse(claims.expiresAt) : null;
  const reviewSays = (pattern: RegExp) =>
    review?.status === "rejected" && review.error !== null && pattern.test(review.error);
  const expiredByUs = exp !== null && exp <= now.getTime();
  const expiredByServer = reviewSays(/expired/i);

  // Stale: the file belongs to another cluster. A foreign CA proves it by itself. Everything else only hints at it
  // and counts when the API server rejects the token for a reason other than its age: a file older than the Node
  // object is what a re-registered Node (or a replacement VM of the same name) shows with perfectly good files.
  const foreignCa = k.caMatchesCluster === false;
  if (foreignCa) {
    facts.stale.push(
      `${file} trusts CA ${short(k.caFingerprint)}, which is not this cluster's CA (kube-root-ca.crt): it was written for another cluster.`,
    );
  }
  const hints: string[] = [];
  const modified = k.modifiedAt ? Date.parse(k.modifiedAt) : Number.NaN;
  const joined = input.nodeCreatedAt ? Date.parse(input.nodeCreatedAt) : Number.NaN;
  const predatesNode = modified < joined;
  if (predatesNode) {
    hints.push(
      `${file} was last written ${k.modifiedAt}, ${duration(joined - modified)} before the node joined this cluster (${input.nodeCreatedAt}).`,
    );
  }
  if (t?.issuerMatchesCluster === false) {
    hints.push(`The token's issuer ${claims?.issuer} is not one this cluster's API server issues.`);
  }
  const rejectedNotForAge = rejected && !expiredByUs && !expiredByServer;
  if (foreignCa || rejectedNotForAge) facts.stale.push(...hints);
  const sa = claims?.serviceAccount;
  const saName = sa ? `${sa.namespace ?? "?"}/${sa.name ?? "?"}` : "unknown service account";
  const live = t?.liveServiceAccount;
  if (live?.status === "found" && live.matchesToken === false) {
    const line = `The token's service account ${saName} has uid ${sa?.uid}, but the live one has uid ${live.uid}.`;
    // Another cluster's token names another uid; so does this cluster's after the account was recreated.
    (facts.stale.length > 0 ? facts.stale : facts.revoked).push(
      facts.stale.length > 0
        ? line
        : `${line} The service account was deleted and recreated after the token was issued.`,
    );
  }
  if (live?.status === "missing") {
    (facts.stale.length > 0 ? facts.stale : facts.revoked).push(
      `The token's service account ${saName} does not exist in this cluster.`,
    );
  }

  const reviewLine =
    review?.status === "rejected"
      ? `TokenReview: the API server rejects the token${review.error ? `: "${review.error}"` : " (no reason given)"}.`
      : review?.status === "authenticated"
        ? `TokenReview: the API server accepts the token${review.username ? ` as ${review.username}` : ""}.`
        : review
          ? `TokenReview could not be asked: ${review.reason}.`
          : null;
  const tokenLine = t ? describeToken(t) : `${file} holds no token.`;

  if (facts.stale.length > 0 && (foreignCa || rejectedNotForAge)) {
    return verdict("stale-cni-config", "high", [
      ...facts.stale,
      tokenLine,
      ...(reviewLine ? [reviewLine] : []),
      writerLine(k, input),
    ]);
  }
  // Not stale: a file older than the Node is worth saying, with why it proves nothing here.
  const olderThanNode = predatesNode
    ? [
        `${file} was last written ${k.modifiedAt}, ${duration(joined - modified)} before this Node object was created (${input.nodeCreatedAt}); on its own that is not staleness: its CA is ${k.caMatchesCluster ? "this cluster's" : "not known to differ from this cluster's"}${review?.status === "authenticated" ? " and the API server accepts its token" : ""}, as after a Node is deleted and re-registered or replaced by a VM of the same name.`,
      ]
    : [];
  const issuerHint =
    t?.issuerMatchesCluster === false ? hints.filter((h) => h.startsWith("The token's issuer")) : [];

  const skew = input.forensics.clock;
  if (skew && skewMatters(skew)) {
    const nodeNow = now.getTime() + skew.offsetMs;
    const looksValidToNode = exp !== null && exp > nodeNow;
    if (((expiredByUs || expiredByServer) && looksValidToNode) || reviewSays(/not valid yet/i)) {
      return verdict("clock-skew", skew.reference === "api-server" ? "high" : "medium", [
        clockLine(skew),
        `By the node's clock the token is still valid until ${claims?.expiresAt}; by the API server's it is not, so calico-node sees no reason to refresh it.`,
        tokenLine,
        ...(reviewLine ? [reviewLine] : []),
      ]);
    }
  }

  if (expiredByUs || expiredByServer) {
    const lines = [
      exp !== null
        ? `The token expired at ${claims?.expiresAt} (${duration(now.getTime() - exp)} before this check).`
        : "The API server says the token has expired.",
      ...(reviewLine ? [reviewLine] : []),
      writerLine(k, input),
      tokenLine,
    ];
    return verdict("cni-token-expired", rejected || review === undefined ? "high" : "medium", lines);
  }

  // Not expired, yet rejected or orphaned: revoked.
  const bound = t?.boundPod;
  if (claims?.pod && bound && bound.status !== "unknown" && bound.status !== "exists") {
    facts.revoked.push(
      `The token is bound to pod ${claims.serviceAccount?.namespace ?? "?"}/${claims.pod.name}${bound.status === "gone" ? ", which no longer exists" : `, which was replaced (live uid ${bound.liveUid})`}: a bound token dies with its pod. Calico < v3.23.2 used calico-node's own pod token; upgrading avoids this.`,
    );
  }
  if (rejected && (exp === null || exp > now.getTime())) {
    facts.revoked.unshift(
      `The token has not expired (${exp === null ? "it has no expiry" : `expires ${claims?.expiresAt}`}) but the API server rejects it.`,
    );
  }
  if (facts.revoked.length > 0) {
    return verdict("cni-token-revoked", rejected || live?.status === "found" ? "high" : "medium", [
      ...facts.revoked,
      ...(reviewLine ? [reviewLine] : []),
      tokenLine,
      writerLine(k, input),
    ]);
  }

  // The file shows nothing wrong right now.
  const current = [
    ...(reviewLine ? [reviewLine] : []),
    tokenLine,
    writerLine(k, input),
    ...olderThanNode,
    ...issuerHint,
    ...(skew && skewMatters(skew) ? [clockLine(skew)] : []),
  ];
  if (review?.status === "authenticated") {
    current.push(
      "The node's current credentials work: the events may predate a refresh, so recreate one stuck pod to see whether the failure persists.",
    );
    // The files are this cluster's and the API server accepts their token: a credential cause guessed from the
    // events alone no longer holds for this node, and keeping it would plan moving good files aside.
    const credentialGuess = CREDENTIAL_CAUSES.has(input.clusterVerdict.rootCause);
    return {
      ...input.clusterVerdict,
      rootCause: credentialGuess ? "unknown" : input.clusterVerdict.rootCause,
      confidence: "low",
      facts: current,
    };
  }
  return keep(input, current);
}

/** Causes about the CNI plugin's credentials, which a working token on the node rules out. */
const CREDENTIAL_CAUSES: ReadonlySet<RootCause> = new Set([
  "stale-cni-config",
  "cni-token-expired",
  "cni-token-revoked",
]);

function keep(input: RefineInput, extra: string[]): NodeVerdict {
  // The cluster-side "not inspected" caveat no longer holds once the node was read.
  const facts = input.clusterVerdict.facts.filter((fact) => !fact.startsWith("Cluster-side guess"));
  return { ...input.clusterVerdict, facts: [...facts, ...extra] };
}

function verdict(rootCause: RootCause, confidence: Confidence, facts: string[]): NodeVerdict {
  return { rootCause, confidence, facts };
}

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

function confDirFacts(f: NodeForensics): string[] {
  if (f.confDir.status === "missing") return [`${f.cniConfDir} does not exist on the node.`];
  if (f.configFiles.length === 0) return [`${f.cniConfDir} holds no .conf, .conflist or .json file.`];
  const active = f.configFiles[0];
  return active
    ? [
        `The runtime uses ${f.cniConfDir}/${active.name} (${active.cni}${active.problem ? `; ${active.problem}` : ""}).`,
      ]
    : [];
}

function describeEntry(e: NodeForensics["confDir"]["entries"][number]): string {
  return `${e.sizeBytes} bytes, modified ${e.modifiedAt}, owner ${e.owner}:${e.group}, mode ${e.mode}`;
}

function short(fingerprint: string | null): string {
  return fingerprint ? `sha256:${fingerprint.slice(0, 16)}` : "(none)";
}

/** "3d 4h", "5h 12m", "42s": enough precision to compare with refresh windows by eye. */
export function duration(ms: number): string {
  if (!Number.isFinite(ms)) return "an unknown time";
  const s = Math.round(Math.abs(ms) / 1000);
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 120) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h ${m % 60}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}
