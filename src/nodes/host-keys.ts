/**
 * Host key verification. Always on: every connection is checked against an OpenSSH known_hosts file or a set of
 * pinned SHA256 fingerprints; there is deliberately no "accept any" mode. Pure functions, no I/O: the SSH client
 * reads the file and calls verifyHostKey from ssh2's hostVerifier with the raw key blob the server offered.
 */
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { NodeAccessError } from "./errors.ts";

export type KnownHostsHosts =
  | { kind: "hashed"; salt: Buffer; hash: Buffer }
  | { kind: "patterns"; patterns: string[] };

export interface KnownHostEntry {
  /** 1-based line number in the file, for messages. */
  line: number;
  revoked: boolean;
  hosts: KnownHostsHosts;
  keyType: string;
  /** The public key blob (SSH wire format), as base64-decoded from the line. */
  key: Buffer;
}

export interface KnownHosts {
  /** Where the entries came from (a file path), for messages. */
  source: string;
  entries: KnownHostEntry[];
  /** Lines we skipped and why (certificate authorities, malformed lines). */
  notes: string[];
}

export type HostKeyPolicy =
  | { kind: "known-hosts"; knownHosts: KnownHosts }
  | { kind: "pinned"; fingerprints: readonly string[] };

/** The endpoint being verified: the node itself, or the jump host on the way to it. */
export interface HostKeySubject {
  host: string;
  port: number;
  nodeName: string;
  role: "node" | "jump host";
}

/** "[10.0.0.1]:2222", or "jump host bastion" — errors already carry the node name. */
function describeSubject(subject: HostKeySubject): string {
  const name = knownHostsName(subject.host, subject.port);
  return subject.role === "jump host" ? `jump host ${name}` : name;
}

export type HostKeyVerdict = { ok: true } | { ok: false; error: NodeAccessError };

// ---------------------------------------------------------------------------------------------------------------
// keys and fingerprints

/** `SHA256:<base64 without padding>`, exactly as `ssh-keygen -lf` prints it. */
export function sha256Fingerprint(keyBlob: Buffer): string {
  return `SHA256:${createHash("sha256").update(keyBlob).digest("base64").replace(/=+$/, "")}`;
}

export const FINGERPRINT_PATTERN = /^SHA256:[A-Za-z0-9+/]{43}$/;

/** The key type named inside an SSH public key blob (its first length-prefixed string). */
export function keyTypeOfBlob(blob: Buffer): string {
  if (blob.length < 4) return "unknown";
  const length = blob.readUInt32BE(0);
  if (length > 64 || blob.length < 4 + length) return "unknown";
  return blob.subarray(4, 4 + length).toString("latin1");
}

/** How known_hosts names an endpoint: `host` on port 22, `[host]:port` otherwise (lower-cased, like OpenSSH). */
export function knownHostsName(host: string, port: number): string {
  const h = host.toLowerCase();
  return port === 22 ? h : `[${h}]:${port}`;
}

// ---------------------------------------------------------------------------------------------------------------
// parsing

/** Parses OpenSSH known_hosts text. Malformed lines are skipped with a note, as OpenSSH does. */
export function parseKnownHosts(text: string, source: string): KnownHosts {
  const entries: KnownHostEntry[] = [];
  const notes: string[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const lineNumber = i + 1;
    const trimmed = (lines[i] ?? "").trim();
    if (trimmed === "" || trimmed.startsWith("#")) continue;
    const fields = trimmed.split(/\s+/);
    let revoked = false;
    if (fields[0]?.startsWith("@")) {
      const marker = fields.shift();
      if (marker === "@cert-authority") {
        notes.push(
          `${source}:${lineNumber}: @cert-authority line skipped (host certificates are not supported; list host keys or pin a fingerprint)`,
        );
        continue;
      }
      if (marker !== "@revoked") {
        notes.push(`${source}:${lineNumber}: unknown marker ${marker} — line skipped`);
        continue;
      }
      revoked = true;
    }
    const [hostField, keyType, keyBase64] = fields;
    if (hostField === undefined || keyType === undefined || keyBase64 === undefined) {
      notes.push(`${source}:${lineNumber}: expected "hosts keytype base64-key" — line skipped`);
      continue;
    }
    const key = Buffer.from(keyBase64, "base64");
    if (key.length === 0 || keyTypeOfBlob(key) !== keyType) {
      notes.push(`${source}:${lineNumber}: key is not valid base64 of a ${keyType} key — line skipped`);
      continue;
    }
    const hosts = parseHostField(hostField);
    if (hosts === undefined) {
      notes.push(`${source}:${lineNumber}: malformed hashed host "|1|salt|hash" — line skipped`);
      continue;
    }
    entries.push({ line: lineNumber, revoked, hosts, keyType, key });
  }
  return { source, entries, notes };
}

function parseHostField(field: string): KnownHostsHosts | undefined {
  if (field.startsWith("|")) {
    const m = /^\|1\|([A-Za-z0-9+/=]+)\|([A-Za-z0-9+/=]+)$/.exec(field);
    if (m === null) return undefined;
    const salt = Buffer.from(m[1] ?? "", "base64");
    const hash = Buffer.from(m[2] ?? "", "base64");
    // HMAC-SHA1: 20-byte salt (the HMAC key) and 20-byte digest.
    if (salt.length !== 20 || hash.length !== 20) return undefined;
    return { kind: "hashed", salt, hash };
  }
  return { kind: "patterns", patterns: field.split(",").filter((p) => p !== "") };
}

// ---------------------------------------------------------------------------------------------------------------
// matching

function globToRegExp(pattern: string): RegExp {
  const body = pattern
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replaceAll("*", ".*")
    .replaceAll("?", ".");
  return new RegExp(`^${body}$`);
}

/** OpenSSH semantics: any matching `!negation` excludes the entry; otherwise any positive pattern must match. */
function patternsMatch(patterns: readonly string[], name: string): boolean {
  let matched = false;
  for (const raw of patterns) {
    const negated = raw.startsWith("!");
    const pattern = (negated ? raw.slice(1) : raw).toLowerCase();
    if (globToRegExp(pattern).test(name)) {
      if (negated) return false;
      matched = true;
    }
  }
  return matched;
}

export function entryMatchesHost(entry: KnownHostEntry, name: string): boolean {
  if (entry.hosts.kind === "patterns") return patternsMatch(entry.hosts.patterns, name);
  const digest = createHmac("sha1", entry.hosts.salt).update(name).digest();
  return timingSafeEqual(digest, entry.hosts.hash);
}

// ---------------------------------------------------------------------------------------------------------------
// verification

function howToAdd(subject: HostKeySubject, source: string, offeredFingerprint: string): string {
  return (
    `If this really is that host, add its key with \`ssh-keyscan -p ${subject.port} ${subject.host} >> ${source}\` ` +
    `and check out of band that the fingerprint is ${offeredFingerprint} ` +
    "(on the node: `ssh-keygen -lf /etc/ssh/ssh_host_<type>_key.pub`); or pin it with `hostKeyFingerprint` in the nodes file."
  );
}

/** Decides whether the key the server offered may be trusted for this endpoint. */
export function verifyHostKey(
  policy: HostKeyPolicy,
  subject: HostKeySubject,
  offered: Buffer,
): HostKeyVerdict {
  const offeredType = keyTypeOfBlob(offered);
  const offeredFingerprint = sha256Fingerprint(offered);
  const name = knownHostsName(subject.host, subject.port);

  if (policy.kind === "pinned") {
    if (policy.fingerprints.includes(offeredFingerprint)) return { ok: true };
    return {
      ok: false,
      error: new NodeAccessError(
        "host-key-changed",
        `HOST KEY MISMATCH for ${describeSubject(subject)}: the server offered ${offeredType} ${offeredFingerprint}, ` +
          `but the nodes file pins ${policy.fingerprints.join(", ")}. This could be a man-in-the-middle attack, or the ` +
          "host was reinstalled. Refusing to connect.",
        {
          node: subject.nodeName,
          hint: "Verify the host's key out of band before changing hostKeyFingerprint.",
        },
      ),
    };
  }

  const { knownHosts } = policy;
  const forHost = knownHosts.entries.filter((e) => entryMatchesHost(e, name));
  if (forHost.some((e) => e.revoked && e.key.equals(offered))) {
    return {
      ok: false,
      error: new NodeAccessError(
        "host-key-revoked",
        `the host key ${offeredType} ${offeredFingerprint} offered by ${describeSubject(subject)} is marked @revoked in ${knownHosts.source}. Refusing to connect.`,
        {
          node: subject.nodeName,
          hint: "The key was revoked deliberately; find out why before trusting this host again.",
        },
      ),
    };
  }
  const trusted = forHost.filter((e) => !e.revoked);
  if (trusted.some((e) => e.key.equals(offered))) return { ok: true };

  const sameType = trusted.filter((e) => e.keyType === offeredType);
  if (sameType.length > 0) {
    const recorded = sameType.map((e) => `${sha256Fingerprint(e.key)} (line ${e.line})`).join(", ");
    return {
      ok: false,
      error: new NodeAccessError(
        "host-key-changed",
        `HOST KEY CHANGED for ${describeSubject(subject)}: the server offered ${offeredType} ${offeredFingerprint}, ` +
          `but ${knownHosts.source} records ${recorded}. This could be a man-in-the-middle attack, or the host was ` +
          "reinstalled. Refusing to connect.",
        {
          node: subject.nodeName,
          hint:
            "Verify the new key out of band; only if it is legitimate, remove the old entry with " +
            `\`ssh-keygen -R '${name}' -f ${knownHosts.source}\` and add the new one.`,
        },
      ),
    };
  }

  const otherTypes = [...new Set(trusted.map((e) => e.keyType))];
  const otherNote =
    otherTypes.length > 0 ? ` (${knownHosts.source} only has ${otherTypes.join(", ")} keys for it)` : "";
  const caNote = knownHosts.notes.some((n) => n.includes("@cert-authority"))
    ? " Note: @cert-authority lines were skipped; host certificates are not supported."
    : "";
  return {
    ok: false,
    error: new NodeAccessError(
      "host-key-unknown",
      `unknown host key for ${describeSubject(subject)}: the server offered ${offeredType} ${offeredFingerprint}, which ` +
        `is not in ${knownHosts.source}${otherNote}. Refusing to connect.${caNote}`,
      { node: subject.nodeName, hint: howToAdd(subject, knownHosts.source, offeredFingerprint) },
    ),
  };
}

/** ssh2's host key algorithms, in its default preference order. */
const DEFAULT_HOST_KEY_ALGORITHMS = [
  "ssh-ed25519",
  "ecdsa-sha2-nistp256",
  "ecdsa-sha2-nistp384",
  "ecdsa-sha2-nistp521",
  "rsa-sha2-512",
  "rsa-sha2-256",
  "ssh-rsa",
] as const;
export type HostKeyAlgorithm = (typeof DEFAULT_HOST_KEY_ALGORITHMS)[number];

function algorithmsForKeyType(keyType: string): HostKeyAlgorithm[] {
  if (keyType === "ssh-rsa") return ["rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"];
  return DEFAULT_HOST_KEY_ALGORITHMS.filter((a) => a === keyType);
}

/**
 * Like OpenSSH, ask the server first for the key types we already know for this host, so a server with several host
 * keys presents one we can check. The other types stay in the list, last, so an unexpected server still yields a
 * clear "unknown host key" instead of a bare handshake failure.
 */
export function preferredHostKeyAlgorithms(
  policy: HostKeyPolicy,
  host: string,
  port: number,
): HostKeyAlgorithm[] {
  if (policy.kind === "pinned") return [...DEFAULT_HOST_KEY_ALGORITHMS];
  const name = knownHostsName(host, port);
  const known = policy.knownHosts.entries.filter((e) => !e.revoked && entryMatchesHost(e, name));
  const first = [...new Set(known.flatMap((e) => algorithmsForKeyType(e.keyType)))];
  return [...first, ...DEFAULT_HOST_KEY_ALGORITHMS.filter((a) => !first.includes(a))];
}
