/**
 * Reads one node's CNI evidence over a NodeReader and compares it with the cluster. It reads only the conf dir listing,
 * the CNI config files and calico-kubeconfig (each bounded), and the node's clock — nothing else on the node, and it
 * changes nothing there or in the cluster. The CNI token is sent only to this cluster's API server (TokenReview) and
 * is otherwise kept as claims and a fingerprint; a final pass removes it from every string of the result.
 */

import { calicoKubeconfigLocator, inspectCalicoKubeconfig } from "../../cni/calico/kubeconfig-forensics.ts";
import type { ClusterReader } from "../../kube/reader.ts";
import {
  type DirEntry,
  hasControlCharacters,
  isNodeAccessError,
  listDirectory,
  type NodeClockReading,
  type NodeReader,
  readFileBounded,
  readNodeClock,
} from "../../nodes/index.ts";
import type { ClusterReference } from "./cluster-reference.ts";
import { credentialStrings, parseCniConfig, runtimeConfigCandidates } from "./cni-config.ts";
import type { ClockSkew, CniConfigFile, ConfDirEntry, NodeForensics, UnreadableFile } from "./inspection.ts";

/** CNI configs are a few KiB; anything near this is not one. */
export const MAX_CONFIG_BYTES = 256 * 1024;
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
  const problems: string[] = [];

  const clock = await measureClock(shell, input, cluster, problems);
  const listing = await shell.run(node, internalIP, listDirectory(confDir, { within: [confDir] }));
  const listed = listing.status === "ok" ? listing.entries : [];
  const entries = listed.filter((e) => !hasControlCharacters(e.name)).map(confDirEntry);
  const suspiciousNames = listed
    .filter((e) => hasControlCharacters(e.name))
    .map((e) => JSON.stringify(e.name));
  const access: ReadAccess = {
    shell,
    input,
    sudo: shell.target(node, internalIP).sudo === true,
    entries,
    confDir,
  };
  const kubeconfigLocation = calicoKubeconfigLocator(confDir, problems);
  const configSecrets: string[] = [];
  const configFiles = await readConfigFiles(access, problems, (parsed, text) => {
    configSecrets.push(...credentialStrings(text));
    kubeconfigLocation.see(parsed, text);
  });
  const { kubeconfig, token } =
    listing.status === "ok"
      ? await inspectCalicoKubeconfig({
          path: kubeconfigLocation.path,
          entries,
          confDir,
          read: (path, maxBytes) => readOrProblem(access, path, maxBytes, problems),
          reader,
          cluster,
          problems,
        })
      : { kubeconfig: null, token: null };

  const forensics: NodeForensics = {
    node,
    cniConfDir: confDir,
    inspectedAt: now().toISOString(),
    confDir: { status: listing.status, entries },
    ...(suspiciousNames.length > 0 ? { suspiciousNames } : {}),
    configFiles,
    activeConfig: configFiles[0]?.name ?? null,
    kubeconfig,
    clock,
    problems,
  };
  return redactEverywhere(forensics, [...(token ? [token.reveal()] : []), ...configSecrets]);
}

function confDirEntry(e: DirEntry): ConfDirEntry {
  return {
    name: e.name,
    sizeBytes: e.sizeBytes,
    modifiedAt: new Date(e.mtimeMs).toISOString(),
    owner: e.owner,
    group: e.group,
    mode: `0${(e.mode & 0o7777).toString(8).padStart(3, "0")}`,
    type: e.type,
  };
}

/**
 * The config files the runtime would try, in its order (at most MAX_CONFIG_FILES), each parsed or said unreadable.
 * `onParsed` sees each parsed one with its text, for a CNI that follows its config to its credentials.
 */
async function readConfigFiles(
  access: ReadAccess,
  problems: string[],
  onParsed: (parsed: CniConfigFile, text: string) => void,
): Promise<CniConfigFile[]> {
  const { confDir } = access;
  const candidates = runtimeConfigCandidates(access.entries);
  if (candidates.length > MAX_CONFIG_FILES) {
    problems.push(
      `${candidates.length} config files in ${confDir}; only the first ${MAX_CONFIG_FILES} were read.`,
    );
  }
  const configFiles: CniConfigFile[] = [];
  for (const name of candidates.slice(0, MAX_CONFIG_FILES)) {
    const read = await readOrProblem(access, `${confDir}/${name}`, MAX_CONFIG_BYTES, problems);
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
    onParsed(parsed, text);
  }
  return configFiles;
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

/**
 * Replaces each secret wherever it might have slipped into a string (an API server error echoing it, say). Secrets of
 * any length count: a short token is still a token. Longest first, so one secret containing another goes whole.
 */
export function redactEverywhere<T>(value: T, secrets: readonly string[]): T {
  const ordered = [...new Set(secrets.filter((s) => s.length > 0))].sort((a, b) => b.length - a.length);
  if (ordered.length === 0) return value;
  const redact = (text: string) =>
    ordered.reduce(
      (out, secret) => (out.includes(secret) ? out.replaceAll(secret, "[redacted token]") : out),
      text,
    );
  const walk = (v: unknown): unknown => {
    if (typeof v === "string") return redact(v);
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === "object") {
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    }
    return v;
  };
  return walk(value) as T;
}
