/**
 * Parses the kubeconfig Calico writes for its CNI plugin (`<conf dir>/calico-kubeconfig`). Two writers use the same
 * template and differ only in the first line: install-cni (`# Kubeconfig file for Calico CNI plugin.`) whenever
 * calico-node starts, and calico-node's token refresher (`... Installed by calico/node.`) every few hours. Pure.
 *
 * The token is returned inside a `SecretToken`, whose string forms are redacted, so it cannot reach a log or a report
 * by accident; only `reveal()` gives it, for the TokenReview.
 */
import { parseDocument } from "yaml";
import { SecretToken } from "../../diagnosis/forensics/secrets.ts";
import type { KubeconfigWriter } from "../../diagnosis/model.ts";

export const INSTALL_CNI_HEADER = "# Kubeconfig file for Calico CNI plugin.";
export const REFRESHER_MARK = "Installed by calico/node.";

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
  // Never quote the YAML error's message or source excerpt: it may include the token. Its position is safe.
  const firstError = doc.errors[0];
  if (firstError !== undefined) {
    const at = firstError.linePos?.[0];
    return {
      ok: false,
      problem: at ? `not valid YAML (at line ${at.line}, column ${at.col})` : "not valid YAML",
    };
  }
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

/** Where the Calico plugin in a config says its kubeconfig is (`kubernetes.kubeconfig`), if it says. */
export function calicoKubeconfigPath(text: string): string | null {
  try {
    const doc = JSON.parse(text) as Record<string, unknown>;
    const plugins = Array.isArray(doc.plugins) ? doc.plugins : [doc];
    for (const p of plugins) {
      if (p === null || typeof p !== "object") continue;
      const plugin = p as Record<string, unknown>;
      if (plugin.type !== "calico") continue;
      const k8s = plugin.kubernetes as Record<string, unknown> | undefined;
      if (k8s && typeof k8s.kubeconfig === "string") return k8s.kubeconfig;
    }
  } catch {
    // Not JSON: parseCniConfig reports it.
  }
  return null;
}
