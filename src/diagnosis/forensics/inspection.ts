/**
 * What node forensics found on one node: plain, serialisable data, part of the Diagnosis JSON contract
 * (`NodeEvidence.inspection`). It never holds the CNI token, a private key or certificate bodies: the token appears
 * only as claims and a short SHA-256 fingerprint, certificates only as fingerprints.
 */
import type { CniPlugin } from "../message/classification.ts";
import type { Confidence, RootCause } from "../model.ts";

export interface ConfDirEntry {
  name: string;
  sizeBytes: number;
  modifiedAt: string;
  owner: string;
  group: string;
  /** Permission bits as octal text, e.g. "0644". */
  mode: string;
  type: "file" | "directory" | "symlink" | "other";
}

/** One CNI network config file (`.conf`, `.conflist`, `.json`) in the conf dir, in the order the runtime tries them. */
export interface CniConfigFile {
  name: string;
  /** The network name (`name`), or null when unreadable. */
  network: string | null;
  /** Plugin `type`s in chain order. */
  pluginTypes: string[];
  /** The CNI the first plugin belongs to (a meta-plugin such as Multus names itself). */
  cni: CniPlugin;
  /** Why the file could not be used, e.g. "not valid JSON"; null when it parsed. */
  problem: string | null;
  /** Set when the node refused to let cni-doctor read the file: nothing is known about its content. */
  unreadable?: UnreadableFile;
}

/**
 * A file cni-doctor listed but could not read. With `sudo: false` a root-owned 0600 file (both of Calico's are) gives
 * `head: cannot open '...' for reading: Permission denied`: then nothing about its content may be guessed.
 */
export interface UnreadableFile {
  path: string;
  /** "permission-denied" when the node said EACCES; "failed" for any other read failure. */
  reason: "permission-denied" | "failed";
  /** Mode and owner from the listing (find -printf %m %u %g), when it was listed. */
  mode: string | null;
  owner: string | null;
  group: string | null;
  /** Whether the read ran behind `sudo -n --` (the nodes file's `sudo`). */
  sudo: boolean;
  /** One line for operators: what could not be read, why, and what to do. */
  message: string;
}

/** Which writer left calico-kubeconfig, from its first line. */
export type KubeconfigWriter =
  /** `# Kubeconfig file for Calico CNI plugin. Installed by calico/node.`: calico-node's token refresher. */
  | "calico-node-refresher"
  /** `# Kubeconfig file for Calico CNI plugin.`: the install-cni init container (runs when calico-node starts). */
  | "install-cni"
  | "unknown";

export interface TokenClaims {
  issuer: string | null;
  subject: string | null;
  audiences: string[];
  serviceAccount: { namespace: string | null; name: string | null; uid: string | null } | null;
  /** Bound tokens (Calico < v3.23.2 used the calico-node pod's own token) name the pod they die with. */
  pod: { name: string; uid: string | null } | null;
  node: { name: string; uid: string | null } | null;
  issuedAt: string | null;
  notBefore: string | null;
  /** null for legacy secret-based tokens, which never expire. */
  expiresAt: string | null;
  /** Key id from the JWS header; tells signing keys apart across rotations. */
  keyId: string | null;
  algorithm: string | null;
}

export interface TokenForensics {
  /** `sha256:` and the first 16 hex digits of SHA-256 over the token: enough to compare, useless to replay. */
  fingerprint: string;
  lengthChars: number;
  /** null when the token is not a decodable JWT (the reason is in `problem`). */
  claims: TokenClaims | null;
  problem: string | null;
  /** Whether `iss` is one this cluster's API server issues (`--service-account-issuer`); null when unknown. */
  issuerMatchesCluster: boolean | null;
  /** The live service account the token names, or why it could not be compared. */
  liveServiceAccount:
    | { status: "found"; uid: string; matchesToken: boolean | null }
    | { status: "missing" }
    | { status: "unknown"; reason: string };
  /** The pod a bound token names: does it still exist with that uid? */
  boundPod:
    | { status: "exists" | "gone" | "replaced"; liveUid: string | null }
    | { status: "unknown"; reason: string }
    | null;
  /** The API server's verdict (TokenReview). `error` is the API server's own rejection reason. */
  review:
    | { status: "authenticated"; username: string | null }
    | { status: "rejected"; error: string | null }
    | { status: "unknown"; reason: string };
}

export interface CalicoKubeconfigForensics {
  path: string;
  /** "unreadable": listed but the node refused the read (see `unreadable`); nothing about its content is known. */
  status: "ok" | "missing" | "unparsable" | "unreadable";
  /** Why it could not be parsed (status "unparsable") or read (status "unreadable"). */
  problem: string | null;
  modifiedAt: string | null;
  sizeBytes: number | null;
  truncated: boolean;
  headerLine: string | null;
  writer: KubeconfigWriter;
  server: string | null;
  /** SHA-256 of the first CA certificate (DER), lower-case hex; null when the file carries none. */
  caFingerprint: string | null;
  /** Whether that CA is one of this cluster's; null when the cluster's CA could not be read. */
  caMatchesCluster: boolean | null;
  insecureSkipTlsVerify: boolean;
  token: TokenForensics | null;
  /** Status "unreadable": why, with the file's mode and owner. */
  unreadable?: UnreadableFile;
}

export interface ClockSkew {
  /** Node clock minus the reference clock, ms; positive = node ahead. */
  offsetMs: number;
  /** The offset is accurate to within ± this (half the round trips, plus the Date header's 1 s resolution). */
  uncertaintyMs: number;
  /** What the node was compared with: the API server's clock, or (when unavailable) this machine's clock. */
  reference: "api-server" | "local-clock";
  nodeTime: string;
}

/** Everything read from one node. */
export interface NodeForensics {
  node: string;
  cniConfDir: string;
  inspectedAt: string;
  confDir: { status: "ok" | "missing"; entries: ConfDirEntry[] };
  /**
   * Conf dir names holding control characters (tab, newline, ...), JSON-quoted so they show as written. No CNI or
   * operator writes such a name: it is reported as suspicious and left out of `confDir.entries`, so it is never read,
   * never counted as a config and never a path a repair moves. Absent when there are none.
   */
  suspiciousNames?: string[];
  /** Config files in the order the runtime considers them; the first is the one it uses. */
  configFiles: CniConfigFile[];
  activeConfig: string | null;
  kubeconfig: CalicoKubeconfigForensics | null;
  clock: ClockSkew | null;
  /** Parts that could not be read, each saying what and why; the rest of the inspection still counts. */
  problems: string[];
}

/** The root cause the node's files prove (or the cluster-side guess they leave standing). */
export interface NodeVerdict {
  rootCause: RootCause;
  confidence: Confidence;
  /** Evidence lines, strongest first, secrets redacted. */
  facts: string[];
}

export interface NodeInspection extends NodeForensics {
  verdict: NodeVerdict;
}

/** Why a node's files were not read; the node keeps its cluster-side finding. */
export interface NotInspectedReason {
  /** A NodeAccessError kind (e.g. "unreachable", "host-key-unknown"), or "unexpected". */
  kind: string;
  message: string;
  hint: string | null;
}
