/**
 * Every failure of node access is a NodeAccessError with a `kind`, so callers (diagnosis, remediation, front ends)
 * can decide what to do by switching on it, and operators read a message that names the node, what happened and
 * what to do next. Messages never contain private keys, passphrases or file contents.
 */
export type NodeAccessErrorKind =
  /** The nodes file is missing, unparsable or invalid. */
  | "inventory-invalid"
  /** A command argument failed validation (bad path, outside the allowed roots...). Nothing was sent. */
  | "argument-rejected"
  /** The private key file, passphrase or agent socket cannot be used. */
  | "client-key-unusable"
  /** TCP connect failed, the handshake timed out, or the jump host could not reach the node. */
  | "unreachable"
  /** The server refused every key we offered. */
  | "auth-refused"
  /** The server's host key is not in known_hosts / does not match the pinned fingerprint set. */
  | "host-key-unknown"
  /** The server's host key differs from the one recorded for this host: possible man-in-the-middle. */
  | "host-key-changed"
  /** The server's host key is marked @revoked in known_hosts. */
  | "host-key-revoked"
  /** sudo -n refused because it wants a password. */
  | "sudo-needs-password"
  /** sudo refused: the user may not run this command at all. */
  | "sudo-not-allowed"
  /** The command did not finish within its timeout; it was signalled and the connection discarded. */
  | "command-timeout"
  /** The connection closed while a command was running; the command may or may not have taken effect. */
  | "connection-dropped"
  /** The command ran but failed in a way its template does not expect, or its output could not be parsed. */
  | "command-failed"
  /** A command that changes the node was handed to read-only node access. Nothing was sent. */
  | "write-refused"
  /** Kubernetes transport: the node's agent pod could not be created or did not start (image, Pod Security...). */
  | "agent-pod-unavailable"
  /** Kubernetes transport: RBAC refused creating the agent pod or exec into it; the message names the rule. */
  | "forbidden";

export interface NodeAccessErrorDetails {
  /** Node name as the cluster knows it (or the jump host, described as such). */
  node?: string;
  /** The exact command line, when a command was involved. */
  command?: string;
  /** What the operator can do about it. Appended to the message. */
  hint?: string;
  cause?: unknown;
}

export class NodeAccessError extends Error {
  readonly kind: NodeAccessErrorKind;
  readonly node: string | undefined;
  readonly command: string | undefined;
  readonly hint: string | undefined;

  constructor(kind: NodeAccessErrorKind, message: string, details: NodeAccessErrorDetails = {}) {
    const where = details.node === undefined ? "" : `node ${details.node}: `;
    const next = details.hint === undefined ? "" : ` ${details.hint}`;
    super(`${where}${message}${next}`, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = "NodeAccessError";
    this.kind = kind;
    this.node = details.node;
    this.command = details.command;
    this.hint = details.hint;
  }
}

export function isNodeAccessError(err: unknown, kind?: NodeAccessErrorKind): err is NodeAccessError {
  return err instanceof NodeAccessError && (kind === undefined || err.kind === kind);
}
