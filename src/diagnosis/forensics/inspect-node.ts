/**
 * Reads one node's CNI evidence over a NodeReader and compares it with the cluster. It reads only the conf dir listing,
 * the CNI config files and calico-kubeconfig (each bounded), and the node's clock — nothing else on the node, and it
 * changes nothing there or in the cluster. The CNI token is sent only to this cluster's API server (TokenReview) and
 * is otherwise kept as claims and a fingerprint; a final pass removes it from every string of the result.
 */
import type { ClusterReader } from "../../kube/reader.ts";
import {
  isNodeAccessError,
  listDirectory,
  type NodeClockReading,
  type NodeReader,
  readFileBounded,
  readNodeClock,
} from "../../nodes/index.ts";
import { certificateFingerprints, parseCalicoKubeconfig, type SecretToken } from "./calico-kubeconfig.ts";
import { type ClusterReference, readRootCaFingerprints } from "./cluster-reference.ts";
import { calicoKubeconfigPath, parseCniConfig, runtimeConfigCandidates } from "./cni-config.ts";
import type {
  CalicoKubeconfigForensics,
  ClockSkew,
  CniConfigFile,
  ConfDirEntry,
  NodeForensics,
  TokenForensics,
  UnreadableFile,
} from "./inspection.ts";
import { decodeTokenClaims, tokenFingerprint } from "./token-claims.ts";

/** CNI configs are a few KiB; anything near this is not one. */
export const MAX_CONFIG_BYTES = 256 * 1024;
export const MAX_KUBECONFIG_BYTES = 64 * 1024;
/** The runtime only ever uses the first; the rest are read to spot shadowed ones. */
export const MAX_CONFIG_FILES = 16;
/** The Date header has whole seconds: a reading may be up to this far off on top of the round trip. */
const DATE_HEADER_RESOLUTION_MS = 1000;

export interface InspectNodeInput {
  node: string;
  internalIP: string | undefined;
  /** Defaults to the nodes file's cniConfDir for this node. */
  cniConfDir?: string;
}

export async function inspectNode(
  shell: NodeReader,
  reader: ClusterReader,
  input: InspectNodeInput,
  cluster: ClusterReference,
  now: () => Date = () => new Date(),
): Promise<NodeForensics> {
  const { node, internalIP } = input;
  const confDir = input.cniConfDir ?? shell.target(node, internalIP).cniConfDir;
  const within = [confDir];
  const problems: string[] = [];

  const clock = await measureClock(shell, input, cluster, problems);
  const listing = await shell.run(node, internalIP, listDirectory(confDir, { within }));
  const entries: ConfDirEntry[] =
    listing.status === "ok"
      ? listing.entries.map((e) => ({
          name: e.name,
          sizeBytes: e.sizeBytes,
          modifiedAt: new Date(e.mtimeMs).toISOString(),
          owner: e.owner,
          group: e.group,
          mode: `0${(e.mode & 0o7777).toString(8).padStart(3, "0")}`,
          type: e.type,
        }))
      : [];

  const candidates = runtimeConfigCandidates(entries);
  if (candidates.length > MAX_CONFIG_FILES) {
    problems.push(
      `${candidates.length} config files in ${confDir}; only the first ${MAX_CONFIG_FILES} were read.`,
    );
  }
  const configFiles: CniConfigFile[] = [];
  let kubeconfigPath = `${confDir}/calico-kubeconfig`;
  const access: ReadAccess = {
    shell,
    input,
    sudo: shell.target(node, internalIP).sudo === true,
    entries,
    confDir,
  };
  for (const name of candidates.slice(0, MAX_CONFIG_FILES)) {
    const path = `${confDir}/${name}`;
    const read = await readOrProblem(access, path, MAX_CONFIG_BYTES, problems);
    if (!read.ok) {
      configFiles.push({
        name,
        network: null,
        pluginTypes: [],
        cni: "unknown",
        problem: read.unreadable?.message ?? "could not be read",
        ...(read.unreadable ? { unreadable: read.unreadable } : {}),
      });
      continue;
    }
    const text = read.content.toString("utf8");
    const parsed = parseCniConfig(name, text, read.truncated);
    configFiles.push(parsed);
    const named = parsed.cni === "calico" ? calicoKubeconfigPath(text) : null;
    if (named !== null && configFiles.filter((c) => c.cni === "calico").length === 1) {
      if (named.startsWith(`${confDir}/`)) kubeconfigPath = named;
      else problems.push(`${name} names kubeconfig ${named}, outside ${confDir}; it was not read.`);
    }
  }

  const kubeconfigEntry = entries.find((e) => `${confDir}/${e.name}` === kubeconfigPath);
  let kubeconfig: CalicoKubeconfigForensics | null = null;
  let token: SecretToken | null = null;
  if (listing.status === "ok") {
    if (!kubeconfigEntry) {
      kubeconfig = emptyKubeconfig(kubeconfigPath, "missing", null);
    } else {
      const read = await readOrProblem(access, kubeconfigPath, MAX_KUBECONFIG_BYTES, problems);
      if (!read.ok && read.unreadable) {
        kubeconfig = {
          ...emptyKubeconfig(kubeconfigPath, "unreadable", read.unreadable.message, kubeconfigEntry),
          unreadable: read.unreadable,
        };
      } else if (read.ok) {
        const result = await examineKubeconfig(
          read.content.toString("utf8"),
          read.truncated,
          kubeconfigEntry,
          {
            path: kubeconfigPath,
            reader,
            cluster,
            problems,
          },
        );
        kubeconfig = result.forensics;
        token = result.token;
      }
    }
  }

  const forensics: NodeForensics = {
    node,
    cniConfDir: confDir,
    inspectedAt: now().toISOString(),
    confDir: { status: listing.status, entries },
    configFiles,
    activeConfig: configFiles[0]?.name ?? null,
    kubeconfig,
    clock,
    problems,
  };
  return token ? redactEverywhere(forensics, token.reveal()) : forensics;
}

async function measureClock(
  shell: NodeReader,
  input: InspectNodeInput,
  cluster: ClusterReference,
  problems: string[],
): Promise<ClockSkew | null> {
  let reading: NodeClockReading;
  try {
    reading = await shell.run(input.node, input.internalIP, readNodeClock());
  } catch (err) {
    if (!isNodeAccessError(err, "command-failed")) throw err;
    problems.push(`the node's clock could not be read: ${err.message}`);
    return null;
  }
  const base = { nodeTime: new Date(reading.nodeEpochMs).toISOString() };
  if (cluster.apiServerClock) {
    try {
      const server = await cluster.apiServerClock();
      return {
        ...base,
        offsetMs: reading.offsetMs - server.offsetMs,
        uncertaintyMs: reading.uncertaintyMs + server.uncertaintyMs + DATE_HEADER_RESOLUTION_MS,
        reference: "api-server",
      };
    } catch (err) {
      problems.push(
        `the API server's clock could not be read (${(err as Error).message}); compared with cni-doctor's clock instead`,
      );
    }
  }
  return {
    ...base,
    offsetMs: reading.offsetMs,
    uncertaintyMs: reading.uncertaintyMs,
    reference: "local-clock",
  };
}

interface ReadAccess {
  shell: NodeReader;
  input: InspectNodeInput;
  /** Whether the nodes file runs this node's commands behind `sudo -n --`. */
  sudo: boolean;
  /** The conf dir listing, for the mode and owner of a file that could not be read. */
  entries: readonly ConfDirEntry[];
  confDir: string;
}

type ReadOutcome =
  | { ok: true; content: Buffer; truncated: boolean }
  /** `unreadable` is set when the read itself failed (not when the file vanished since the listing). */
  | { ok: false; unreadable: UnreadableFile | null };

/**
 * A bounded read; a failing command (permissions, a vanished file) becomes a problem line and an UnreadableFile, not
 * a failed inspection. A refusal is said plainly, with the file's mode and owner and what to change, so that nothing
 * downstream mistakes "could not read" for "missing" or guesses at the content.
 */
async function readOrProblem(
  access: ReadAccess,
  path: string,
  maxBytes: number,
  problems: string[],
): Promise<ReadOutcome> {
  const { shell, input } = access;
  try {
    const read = await shell.run(
      input.node,
      input.internalIP,
      readFileBounded(path, { within: [dirOf(path)], maxBytes }),
    );
    if (read.status === "missing") {
      problems.push(`${path} vanished between listing and reading.`);
      return { ok: false, unreadable: null };
    }
    return { ok: true, content: read.content, truncated: read.truncated };
  } catch (err) {
    if (!isNodeAccessError(err, "command-failed")) throw err;
    const unreadable = describeUnreadable(access, path, err.message);
    problems.push(unreadable.message);
    return { ok: false, unreadable };
  }
}

/** "cannot read P on NODE: permission denied (mode 0600, owner root); set `sudo: true` ..." and the like. */
export function describeUnreadable(
  access: Pick<ReadAccess, "input" | "sudo" | "entries" | "confDir">,
  path: string,
  errorMessage: string,
): UnreadableFile {
  const entry = access.entries.find((e) => `${access.confDir}/${e.name}` === path);
  const denied = /Permission denied/i.test(errorMessage);
  const mode = entry?.mode ?? null;
  const owner = entry?.owner ?? null;
  const group = entry?.group ?? null;
  const where = `cannot read ${path} on ${access.input.node}`;
  const attributes = entry ? ` (mode ${mode}, owner ${owner}${group !== owner ? `:${group}` : ""})` : "";
  let message: string;
  if (!denied) {
    message = `${where}: ${errorMessage}`;
  } else if (!access.sudo) {
    message = `${where}: permission denied${attributes}; set \`sudo: true\` for this node in the nodes file (with NOPASSWD for find, head, date, sha256sum, mkdir, mv), or give the SSH user read access.`;
  } else {
    message = `${where}: permission denied even with sudo${attributes}; check SELinux/AppArmor labels, immutable attributes and read-only or root-squashed mounts on the node.`;
  }
  return {
    path,
    reason: denied ? "permission-denied" : "failed",
    mode,
    owner,
    group,
    sudo: access.sudo,
    message,
  };
}

function dirOf(path: string): string {
  return path.slice(0, path.lastIndexOf("/")) || "/";
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

async function clusterCaFingerprints(
  reader: ClusterReader,
  cluster: ClusterReference,
  problems: string[],
): Promise<string[]> {
  let root = cluster.rootCaFingerprints;
  if (root === undefined) {
    try {
      root = await readRootCaFingerprints(reader);
    } catch (err) {
      problems.push(`kube-system/kube-root-ca.crt could not be read: ${(err as Error).message}`);
      root = [];
    }
  }
  return [...new Set([...root, ...(cluster.caFingerprint ? [cluster.caFingerprint] : [])])];
}

async function examineToken(
  secret: SecretToken,
  reader: ClusterReader,
  cluster: ClusterReference,
): Promise<TokenForensics> {
  const token = secret.reveal();
  const decoded = decodeTokenClaims(token);
  const claims = decoded.ok ? decoded.claims : null;
  const sa = claims?.serviceAccount;
  const issuers = cluster.issuers ?? [];

  let liveServiceAccount: TokenForensics["liveServiceAccount"];
  if (!sa?.namespace || !sa.name) {
    liveServiceAccount = { status: "unknown", reason: "the token names no service account" };
  } else {
    try {
      const live = await reader.getServiceAccount(sa.namespace, sa.name);
      liveServiceAccount =
        live === null
          ? { status: "missing" }
          : {
              status: "found",
              uid: live.metadata?.uid ?? "",
              matchesToken: sa.uid ? sa.uid === live.metadata?.uid : null,
            };
    } catch (err) {
      liveServiceAccount = { status: "unknown", reason: (err as Error).message };
    }
  }

  let boundPod: TokenForensics["boundPod"] = null;
  if (claims?.pod && sa?.namespace) {
    try {
      const pod = await reader.getPod(sa.namespace, claims.pod.name);
      const liveUid = pod?.metadata?.uid ?? null;
      boundPod =
        pod === null
          ? { status: "gone", liveUid: null }
          : { status: claims.pod.uid && claims.pod.uid !== liveUid ? "replaced" : "exists", liveUid };
    } catch (err) {
      boundPod = { status: "unknown", reason: (err as Error).message };
    }
  }

  let review: TokenForensics["review"];
  try {
    const status = await reader.reviewToken(token);
    review = status.authenticated
      ? { status: "authenticated", username: status.user?.username ?? null }
      : { status: "rejected", error: status.error ?? null };
  } catch (err) {
    review = { status: "unknown", reason: (err as Error).message };
  }

  return {
    fingerprint: tokenFingerprint(token),
    lengthChars: token.length,
    claims,
    problem: decoded.ok ? null : decoded.problem,
    issuerMatchesCluster: claims?.issuer && issuers.length > 0 ? issuers.includes(claims.issuer) : null,
    liveServiceAccount,
    boundPod,
    review,
  };
}

/** Replaces the token wherever it might have slipped into a string (an API server error echoing it, say). */
export function redactEverywhere<T>(value: T, secret: string): T {
  if (secret.length < 8) return value;
  const walk = (v: unknown): unknown => {
    if (typeof v === "string") return v.includes(secret) ? v.replaceAll(secret, "[redacted token]") : v;
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === "object") {
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    }
    return v;
  };
  return walk(value) as T;
}
