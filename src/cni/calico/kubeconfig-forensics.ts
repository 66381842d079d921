/**
 * Calico's credentials on a node: where its CNI config says calico-kubeconfig is, and what that file shows (which
 * writer left it, whether it trusts this cluster's CA, and what the cluster says of its token). Read-only; the token
 * is handed back inside a SecretToken only so the caller can redact it from everything it returns.
 */

import { type ClusterReference, clusterCaFingerprints } from "../../diagnosis/forensics/cluster-reference.ts";
import { certificateFingerprints, type SecretToken } from "../../diagnosis/forensics/secrets.ts";
import { examineToken } from "../../diagnosis/forensics/token-review.ts";
import type {
  CalicoKubeconfigForensics,
  CniConfigFile,
  ConfDirEntry,
  UnreadableFile,
} from "../../diagnosis/model.ts";
import type { ClusterReader } from "../../kube/reader.ts";
import { CALICO_KUBECONFIG } from "./identity.ts";
import { calicoKubeconfigPath, parseCalicoKubeconfig } from "./kubeconfig.ts";

export const MAX_KUBECONFIG_BYTES = 64 * 1024;

/**
 * Follows the configs, in the runtime's order, to the kubeconfig the first Calico one names (default
 * `<conf dir>/calico-kubeconfig`). A path outside the conf dir is not read: it is said as a problem.
 */
export function calicoKubeconfigLocator(confDir: string, problems: string[]) {
  let path = `${confDir}/${CALICO_KUBECONFIG}`;
  let calicoConfigs = 0;
  return {
    see(parsed: CniConfigFile, text: string): void {
      if (parsed.cni !== "calico") return;
      calicoConfigs += 1;
      const named = calicoKubeconfigPath(text);
      if (named === null || calicoConfigs !== 1) return;
      if (named.startsWith(`${confDir}/`)) path = named;
      else problems.push(`${parsed.name} names kubeconfig ${named}, outside ${confDir}; it was not read.`);
    },
    get path(): string {
      return path;
    },
  };
}

export type BoundedRead = (
  path: string,
  maxBytes: number,
) => Promise<
  { ok: true; content: Buffer; truncated: boolean } | { ok: false; unreadable: UnreadableFile | null }
>;

export interface KubeconfigInspection {
  path: string;
  entries: readonly ConfDirEntry[];
  confDir: string;
  read: BoundedRead;
  reader: ClusterReader;
  cluster: ClusterReference;
  problems: string[];
}

/** Reads and examines calico-kubeconfig; a file missing from the listing, or unreadable, says so. */
export async function inspectCalicoKubeconfig(
  i: KubeconfigInspection,
): Promise<{ kubeconfig: CalicoKubeconfigForensics | null; token: SecretToken | null }> {
  const entry = i.entries.find((e) => `${i.confDir}/${e.name}` === i.path);
  if (!entry) return { kubeconfig: emptyKubeconfig(i.path, "missing", null), token: null };
  const read = await i.read(i.path, MAX_KUBECONFIG_BYTES);
  if (!read.ok && read.unreadable) {
    return {
      kubeconfig: {
        ...emptyKubeconfig(i.path, "unreadable", read.unreadable.message, entry),
        unreadable: read.unreadable,
      },
      token: null,
    };
  }
  if (!read.ok) return { kubeconfig: null, token: null };
  const result = await examineKubeconfig(read.content.toString("utf8"), read.truncated, entry, i);
  return { kubeconfig: result.forensics, token: result.token };
}

function emptyKubeconfig(
  path: string,
  status: "missing" | "unparsable" | "unreadable",
  problem: string | null,
  entry?: ConfDirEntry,
): CalicoKubeconfigForensics {
  return {
    path,
    status,
    problem,
    modifiedAt: entry?.modifiedAt ?? null,
    sizeBytes: entry?.sizeBytes ?? null,
    truncated: false,
    headerLine: null,
    writer: "unknown",
    server: null,
    caFingerprint: null,
    caMatchesCluster: null,
    insecureSkipTlsVerify: false,
    token: null,
  };
}

async function examineKubeconfig(
  text: string,
  truncated: boolean,
  entry: ConfDirEntry,
  context: { path: string; reader: ClusterReader; cluster: ClusterReference; problems: string[] },
): Promise<{ forensics: CalicoKubeconfigForensics; token: SecretToken | null }> {
  const { path, reader, cluster } = context;
  const parsed = parseCalicoKubeconfig(text);
  if (!parsed.ok) {
    return {
      forensics: emptyKubeconfig(
        path,
        "unparsable",
        `${parsed.problem}${truncated ? " (truncated at the read limit)" : ""}`,
        entry,
      ),
      token: null,
    };
  }
  const k = parsed.value;
  const caFingerprint = k.caPem ? (certificateFingerprints(k.caPem)[0] ?? null) : null;
  if (k.caPem && caFingerprint === null)
    context.problems.push(`${path}: certificate-authority-data holds no parsable certificate.`);
  const clusterCas = await clusterCaFingerprints(reader, cluster, context.problems);
  const caMatchesCluster =
    caFingerprint === null || clusterCas.length === 0 ? null : clusterCas.includes(caFingerprint);
  const token = k.token;
  return {
    forensics: {
      path,
      status: "ok",
      problem: null,
      modifiedAt: entry.modifiedAt,
      sizeBytes: entry.sizeBytes,
      truncated,
      headerLine: k.headerLine,
      writer: k.writer,
      server: k.server,
      caFingerprint,
      caMatchesCluster,
      insecureSkipTlsVerify: k.insecureSkipTlsVerify,
      token: token ? await examineToken(token, reader, cluster) : null,
    },
    token,
  };
}
