/**
 * Parses the kubeconfig Calico writes for its CNI plugin (`<conf dir>/calico-kubeconfig`). Two writers use the same
 * template and differ only in the first line: install-cni (`# Kubeconfig file for Calico CNI plugin.`) whenever
 * calico-node starts, and calico-node's token refresher (`... Installed by calico/node.`) every few hours. Pure.
 *
 * The token is returned inside a `SecretToken`, whose string forms are redacted, so it cannot reach a log or a report
 * by accident; only `reveal()` gives it, for the TokenReview.
 */
import { X509Certificate } from "node:crypto";
import { parseDocument } from "yaml";
import type { KubeconfigWriter } from "./inspection.ts";

export const INSTALL_CNI_HEADER = "# Kubeconfig file for Calico CNI plugin.";
export const REFRESHER_MARK = "Installed by calico/node.";

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

export interface ParsedCalicoKubeconfig {
  headerLine: string | null;
  writer: KubeconfigWriter;
  server: string | null;
  /** PEM text of the CA bundle from certificate-authority-data; null when absent. */
  caPem: string | null;
  /** A certificate-authority path (the file lives on the node and is not read). */
  caFile: string | null;
  insecureSkipTlsVerify: boolean;
  token: SecretToken | null;
}

export type KubeconfigParse = { ok: true; value: ParsedCalicoKubeconfig } | { ok: false; problem: string };

export function parseCalicoKubeconfig(text: string): KubeconfigParse {
  const firstLine = text.split("\n", 1)[0]?.trim() ?? "";
  const headerLine = firstLine.startsWith("#") ? firstLine : null;
  const doc = parseDocument(text, { uniqueKeys: false });
  // Never quote the YAML error's source excerpt: it may include the token.
  if (doc.errors.length > 0) return { ok: false, problem: "not valid YAML" };
  const root: unknown = doc.toJS();
  if (root === null || typeof root !== "object") return { ok: false, problem: "not a YAML mapping" };
  const config = root as Record<string, unknown>;
  const contexts = namedList(config.contexts);
  const currentName = typeof config["current-context"] === "string" ? config["current-context"] : undefined;
  const context = (contexts.find((c) => c.name === currentName) ?? contexts[0])?.context as
    | Record<string, unknown>
    | undefined;
  const cluster = pick(namedList(config.clusters), context?.cluster)?.cluster as
    | Record<string, unknown>
    | undefined;
  const user = pick(namedList(config.users), context?.user)?.user as Record<string, unknown> | undefined;
  if (!cluster) return { ok: false, problem: "names no cluster" };
  const caData = cluster["certificate-authority-data"];
  let caPem: string | null = null;
  if (typeof caData === "string" && caData.trim() !== "") {
    caPem = Buffer.from(caData.trim(), "base64").toString("utf8");
  }
  const token =
    typeof user?.token === "string" && user.token.trim() !== "" ? new SecretToken(user.token.trim()) : null;
  return {
    ok: true,
    value: {
      headerLine,
      writer: writerOf(headerLine),
      server: typeof cluster.server === "string" ? cluster.server : null,
      caPem,
      caFile: typeof cluster["certificate-authority"] === "string" ? cluster["certificate-authority"] : null,
      insecureSkipTlsVerify: cluster["insecure-skip-tls-verify"] === true,
      token,
    },
  };
}

function writerOf(headerLine: string | null): KubeconfigWriter {
  if (headerLine === null || !headerLine.startsWith(INSTALL_CNI_HEADER)) return "unknown";
  return headerLine.includes(REFRESHER_MARK) ? "calico-node-refresher" : "install-cni";
}

function namedList(value: unknown): Record<string, unknown>[] {
  return Array.isArray(value)
    ? value.filter((v): v is Record<string, unknown> => v !== null && typeof v === "object")
    : [];
}

function pick(list: Record<string, unknown>[], name: unknown): Record<string, unknown> | undefined {
  return list.find((e) => e.name === name) ?? list[0];
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
