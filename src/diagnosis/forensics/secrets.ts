/**
 * Secrets met on a node, kept out of reach of logs and reports: a bearer token whose string forms are redacted, and
 * certificates reduced to fingerprints. Pure.
 */
import { X509Certificate } from "node:crypto";

/** A bearer token that prints as "[redacted token]" in logs, JSON and template strings. */
export class SecretToken {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  /** The token itself: only for sending to the API server for review. */
  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return "[redacted token]";
  }

  toJSON(): string {
    return "[redacted token]";
  }

  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return "SecretToken [redacted]";
  }
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/**
 * SHA-256 over the DER of each certificate in a PEM bundle, lower-case hex, in bundle order (kube-root-ca.crt holds
 * two during a CA rotation). Unparsable blocks are skipped.
 */
export function certificateFingerprints(pem: string): string[] {
  const out: string[] = [];
  for (const block of pem.match(PEM_CERTIFICATE) ?? []) {
    try {
      out.push(new X509Certificate(block).fingerprint256.replaceAll(":", "").toLowerCase());
    } catch {
      // Not a certificate: ignore it rather than fail the whole inspection.
    }
  }
  return out;
}
