/**
 * Reads the runtime's wrapping around a plugin error: which runtime wrote it, ADD or DEL, which plugin ran, the plugin's
 * own error, and the identifiers the wrapping carries. All scans are indexOf plus bounded forward reads on the
 * normalised message (see normalize.ts), so the cost is linear in the (capped) message length.
 */
import type { ClassificationDetails, Phase, RuntimeForm } from "./classification.ts";

// --- small bounded readers -------------------------------------------------------------------------------------

/** Index of the first occurrence of any marker, or -1. */
export function firstIndexOfAny(haystack: string, markers: readonly string[]): number {
  let best = -1;
  for (const marker of markers) {
    const at = haystack.indexOf(marker);
    if (at !== -1 && (best === -1 || at < best)) best = at;
  }
  return best;
}

export function includesAny(haystack: string, markers: readonly string[]): boolean {
  return markers.some((marker) => haystack.includes(marker));
}

/** The text from `start` up to (not including) `stop`, if `stop` occurs within `maxLength` characters. */
export function readUntil(text: string, start: number, stop: string, maxLength: number): string | null {
  if (start < 0 || start > text.length) return null;
  const end = text.indexOf(stop, start);
  if (end === -1 || end - start > maxLength) return null;
  return text.slice(start, end);
}

/** The text following the first `marker` up to `stop`, bounded; the marker is searched in `lower`. */
export function readAfter(
  text: string,
  lower: string,
  marker: string,
  stop: string,
  maxLength: number,
): string | null {
  const at = lower.indexOf(marker);
  if (at === -1) return null;
  return readUntil(text, at + marker.length, stop, maxLength);
}

/** Plugin names and directories (Linux or Windows): letters, digits and `-_./:\\`; nothing a shell would interpret. */
export function isPathLike(value: string): boolean {
  if (value.length === 0 || value.length > 256) return false;
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    const alnum =
      (code >= 0x30 && code <= 0x39) || (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a);
    if (!alnum && !"-_./:\\".includes(value[i] as string)) return false;
  }
  return true;
}

function isHexDigit(code: number): boolean {
  return (code >= 0x30 && code <= 0x39) || (code >= 0x61 && code <= 0x66);
}

/** Kubernetes object names in these messages: lower-case DNS labels or subdomains. */
export function isKubernetesName(value: string): boolean {
  if (value.length === 0 || value.length > 253) return false;
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    const alnum = (code >= 0x30 && code <= 0x39) || (code >= 0x61 && code <= 0x7a);
    if (!alnum && code !== 0x2d && code !== 0x2e) return false;
  }
  return true;
}

// --- runtime form and phase ------------------------------------------------------------------------------------

const DOCKERSHIM_MARKERS = [
  "networkplugin cni failed",
  "failed to set up sandbox container",
  "failed to clean up sandbox container",
  "docker: network plugin is not ready",
  'using network plugins "cni"',
];
const CRIO_MARKERS = [
  'to cni network "',
  'from cni network "',
  "failed to create pod network sandbox k8s_",
  "failed to destroy network for pod sandbox k8s_",
  "no cni configuration file in",
  // CRI-O 1.0-1.9 (cri-o/cri-o-ansible#4): "failed to create network for container <infra> in sandbox <id>: …".
  "failed to create network for container ",
  "failed to destroy network for container ",
  // CRI-O's CNI CHECK when it reads a sandbox's network status (cri-o/cri-o#7008): "error checking pod … for CNI network".
  'for cni network "',
];
const CONTAINERD_MARKERS = [
  "failed to setup network for sandbox",
  "failed to destroy network for sandbox",
  'plugin type="',
  "cni plugin not initialized",
  "failed to call cni.setup",
];

/** Dockershim and CRI-O wording is checked first: CRI-O with libcni >= 1.0 also prints `plugin type="…"`. */
export function detectRuntime(lower: string): RuntimeForm {
  if (includesAny(lower, DOCKERSHIM_MARKERS)) return "dockershim";
  if (includesAny(lower, CRIO_MARKERS)) return "cri-o";
  if (includesAny(lower, CONTAINERD_MARKERS)) return "containerd";
  return "unknown";
}

const ADD_MARKERS = [
  "failed (add)",
  "failed to setup network for sandbox",
  "failed to set up sandbox container",
  "networkplugin cni failed to set up pod",
  "error adding pod",
  "failed to create pod network sandbox",
  "failed to setup network for pod",
  "error adding network",
  "error while adding to cni network",
  "failed to call cni.setup",
  "failed to create network for container ",
  // The calico plugin's own log (projectcalico/calico#6309): "Final result of CNI ADD was an error".
  "final result of cni add",
];
const DELETE_MARKERS = [
  "killpodsandbox",
  "failed (delete)",
  "failed to destroy network for",
  "networkplugin cni failed to teardown pod",
  "error removing pod",
  "error while removing pod from cni network",
  "error deleting network",
  "failed to destroy network for container ",
  "final result of cni del",
];

/**
 * Whichever operation the message names first. A dockershim ADD failure also reports its failed clean-up
 * (`[failed to set up …, failed to clean up … teardown …]`) and a FailedKillPod starts with `KillPodSandbox`, so the
 * earliest marker is the operation that failed. A node condition names neither.
 */
export function detectPhase(lower: string): Phase {
  const add = firstIndexOfAny(lower, ADD_MARKERS);
  const del = firstIndexOfAny(lower, DELETE_MARKERS);
  if (add === -1 && del === -1) return "none";
  if (del === -1) return "add";
  if (add === -1) return "delete";
  return del < add ? "delete" : "add";
}

/** Words that show a message is about pod networking at all, so generic errors (Unauthorized, x509) mean the CNI. */
const NETWORK_CONTEXT_MARKERS = [
  ...ADD_MARKERS,
  "failed (delete)",
  "failed to destroy network for",
  "networkplugin cni failed",
  'to cni network "',
  'from cni network "',
  'plugin type="',
  "failed to clean up sandbox container",
  "networkready=false",
  'using network plugins "cni"',
  "error deleting network",
];

export function hasNetworkContext(lower: string): boolean {
  return includesAny(lower, NETWORK_CONTEXT_MARKERS);
}

// --- plugin type -----------------------------------------------------------------------------------------------

export interface PluginRef {
  /** Lower-cased `type`, e.g. "calico". */
  type: string;
  /** The optional `name` (Windows Calico prints `name="Calico"`), as written. */
  name: string | null;
}

const PLUGIN_TYPE_MARKER = 'plugin type="';

export function readPluginRef(text: string, lower: string): PluginRef | null {
  const at = lower.indexOf(PLUGIN_TYPE_MARKER);
  if (at === -1) return null;
  const start = at + PLUGIN_TYPE_MARKER.length;
  const type = readUntil(lower, start, '"', 64);
  if (!type || !isPathLike(type)) return null;
  const afterType = start + type.length + 1;
  const nameMarker = ' name="';
  let name: string | null = null;
  if (lower.startsWith(nameMarker, afterType)) {
    const written = readUntil(text, afterType + nameMarker.length, '"', 128);
    name = written && isPathLike(written) ? written : null;
  }
  return { type, name };
}

// --- the plugin's own error ------------------------------------------------------------------------------------

/** Where the plugin's error starts: after a marker, optionally after a closing delimiter that follows it. */
interface ErrorStart {
  marker: string;
  /** When set, the error starts after this delimiter, searched within `within` characters of the marker. */
  thenAfter?: string;
  within?: number;
}

/** Most specific first: the libcni `failed (add): ` wrapper sits inside every runtime's own wrapping. */
const ERROR_STARTS: readonly ErrorStart[] = [
  { marker: "failed (add): " },
  { marker: "failed (delete): " },
  { marker: 'networkplugin cni failed to set up pod "', thenAfter: '" network: ', within: 600 },
  { marker: 'networkplugin cni failed to teardown pod "', thenAfter: '" network: ', within: 600 },
  { marker: 'to cni network "', thenAfter: '": ', within: 300 },
  { marker: 'from cni network "', thenAfter: '": ', within: 300 },
  { marker: 'failed to setup network for sandbox "', thenAfter: '": ', within: 200 },
  { marker: 'failed to destroy network for sandbox "', thenAfter: '": ', within: 200 },
  { marker: "failed to create pod network sandbox k8s_", thenAfter: "): ", within: 600 },
  { marker: "failed to destroy network for pod sandbox k8s_", thenAfter: "): ", within: 600 },
  { marker: 'using network plugins "cni": ' },
  { marker: "reason:networkpluginnotready message:" },
];

/** Where the plugin's error ends when the runtime appends more after it. */
const ERROR_ENDS = [", failed to clean up sandbox container", "; skipping pod"];
const MAX_PLUGIN_ERROR_CHARS = 2000;

export function extractPluginError(text: string, lower: string): string | null {
  for (const candidate of ERROR_STARTS) {
    const at = lower.indexOf(candidate.marker);
    if (at === -1) continue;
    let start = at + candidate.marker.length;
    if (candidate.thenAfter) {
      const delimiter = lower.indexOf(candidate.thenAfter, start);
      if (delimiter === -1 || delimiter - start > (candidate.within ?? 0)) continue;
      start = delimiter + candidate.thenAfter.length;
    }
    const end = firstIndexOfAny(lower.slice(start, start + MAX_PLUGIN_ERROR_CHARS + 64), ERROR_ENDS);
    const raw = text.slice(start, end === -1 ? start + MAX_PLUGIN_ERROR_CHARS : start + end);
    const cleaned = trimWrapping(raw, lower);
    if (cleaned.length > 0) return cleaned;
  }
  return null;
}

/** Drops what the outer wrapping left at the end: the quote of `KillPodSandboxError: "…"`, dockershim's `]`. */
function trimWrapping(raw: string, lower: string): string {
  let error = raw.trim();
  if (error.endsWith('"') && countChar(error, '"') % 2 === 1) error = error.slice(0, -1).trimEnd();
  if (error.endsWith("]") && lower.includes("desc = [") && !error.includes("["))
    error = error.slice(0, -1).trimEnd();
  return error;
}

function countChar(text: string, char: string): number {
  let count = 0;
  for (let i = text.indexOf(char); i !== -1; i = text.indexOf(char, i + 1)) count++;
  return count;
}

// --- identifiers in the wrapping -------------------------------------------------------------------------------

const SANDBOX_ID_MARKERS = ['for sandbox "', 'sandbox container "', 'stoppodsandbox for "'];

export function extractSandboxId(lower: string): string | undefined {
  for (const marker of SANDBOX_ID_MARKERS) {
    const id = readAfter(lower, lower, marker, '"', 64);
    if (id && isHexId(id)) return id;
  }
  // CRI-O names the sandbox `k8s_<pod>_<ns>_<uid>_<attempt>(<id>)`.
  const crioName = lower.indexOf("sandbox k8s_");
  if (crioName !== -1) {
    const open = lower.indexOf("(", crioName);
    if (open !== -1 && open - crioName < 400) {
      const id = readUntil(lower, open + 1, ")", 64);
      if (id && isHexId(id)) return id;
    }
  }
  return undefined;
}

function isHexId(value: string): boolean {
  if (value.length < 12) return false;
  for (let i = 0; i < value.length; i++) if (!isHexDigit(value.charCodeAt(i))) return false;
  return true;
}

export interface PodRef {
  pod: string;
  namespace: string;
}

/** Pod and namespace from whichever wrapping carries them; names cannot contain `_`, so splitting on it is exact. */
export function extractPodRef(lower: string): PodRef | undefined {
  const dockershim =
    readAfter(lower, lower, 'failed to set up pod "', '"', 300) ??
    readAfter(lower, lower, 'failed to teardown pod "', '"', 300);
  if (dockershim) {
    const [pod, namespace, ...rest] = dockershim.trim().split("_");
    if (rest.length === 0 && pod && namespace) return validPodRef(pod, namespace);
  }
  const crio =
    readAfter(lower, lower, "error adding pod ", " ", 300) ??
    readAfter(lower, lower, "error removing pod ", " ", 300);
  if (crio) {
    const [namespace, pod, ...rest] = crio.split("_");
    if (rest.length === 0 && pod && namespace) return validPodRef(pod, namespace);
  }
  const crioSandbox = readAfter(lower, lower, "sandbox k8s_", "(", 400);
  if (crioSandbox) {
    const [pod, namespace] = crioSandbox.split("_");
    if (pod && namespace) return validPodRef(pod, namespace);
  }
  const multus = readAfter(lower, lower, "multus: [", "]", 300);
  if (multus) {
    const [namespace, podAndNetwork] = multus.split("/");
    const pod = podAndNetwork?.split(":")[0];
    if (pod && namespace) return validPodRef(pod, namespace);
  }
  return undefined;
}

function validPodRef(pod: string, namespace: string): PodRef | undefined {
  return isKubernetesName(pod) && isKubernetesName(namespace) ? { pod, namespace } : undefined;
}

/** The API server address the plugin dialled: scheme and authority of the first https URL, else a bare `dial tcp`. */
export function extractApiServer(lower: string): string | undefined {
  const url = lower.indexOf("https://");
  if (url !== -1) {
    const authority = readAuthority(lower, url + "https://".length);
    if (authority) return `https://${authority}`;
  }
  const dial = lower.indexOf("dial tcp ");
  if (dial !== -1) {
    const authority = readAuthority(lower, dial + "dial tcp ".length);
    if (authority) return authority.endsWith(":") ? authority.slice(0, -1) : authority;
  }
  return undefined;
}

/** Host (IPv4, bracketed IPv6 or DNS name) and optional port, at most 100 characters. */
function readAuthority(lower: string, start: number): string | undefined {
  let end = start;
  while (end < lower.length && end - start < 100) {
    const code = lower.charCodeAt(end);
    const allowed =
      (code >= 0x30 && code <= 0x3a) || // digits and ':'
      (code >= 0x61 && code <= 0x7a) ||
      code === 0x2e ||
      code === 0x2d ||
      code === 0x5b ||
      code === 0x5d;
    if (!allowed) break;
    end++;
  }
  const authority = lower.slice(start, end);
  return authority.length > 0 ? authority : undefined;
}

/** `failed to find plugin "x" in path [/opt/cni/bin /usr/libexec/cni]` → the plugin and the directories. */
export function extractMissingPlugin(
  text: string,
  lower: string,
): Pick<ClassificationDetails, "pluginName" | "pluginSearchPath"> {
  const details: Pick<ClassificationDetails, "pluginName" | "pluginSearchPath"> = {};
  const name = readAfter(text, lower, 'failed to find plugin "', '"', 128);
  if (name && isPathLike(name)) details.pluginName = name;
  const path = readAfter(text, lower, "in path [", "]", 1024);
  if (path !== null)
    details.pluginSearchPath = path.split(" ").filter((dir) => dir.length > 0 && isPathLike(dir));
  return details;
}

/**
 * RBAC denials: `… is forbidden: User "system:serviceaccount:<ns>:<name>" cannot get resource "<r>" in API group
 * "<g>" …`. The service account is reported as `<ns>/<name>`, the resource as `<r>.<g>` (or `<r>` for the core group).
 */
export function extractRbacDenial(
  text: string,
  lower: string,
): Pick<ClassificationDetails, "serviceAccount" | "forbiddenResource"> {
  const details: Pick<ClassificationDetails, "serviceAccount" | "forbiddenResource"> = {};
  const user = readAfter(text, lower, 'user "system:serviceaccount:', '"', 320);
  if (user) {
    const [namespace, name, ...rest] = user.split(":");
    if (rest.length === 0 && namespace && name && isKubernetesName(namespace) && isKubernetesName(name)) {
      details.serviceAccount = `${namespace}/${name}`;
    }
  }
  const resource = readAfter(lower, lower, ' resource "', '"', 128);
  if (resource && isKubernetesName(resource)) {
    const group = readAfter(lower, lower, `${resource}" in api group "`, '"', 128);
    details.forbiddenResource = group && isKubernetesName(group) ? `${resource}.${group}` : resource;
  } else {
    // `clusterinformations.crd.projectcalico.org "default" is forbidden` without the `cannot … resource` tail.
    const forbiddenAt = lower.indexOf(" is forbidden");
    if (forbiddenAt !== -1) {
      const lineStart = Math.max(0, forbiddenAt - 200);
      const before = text.slice(lineStart, forbiddenAt);
      const afterColon = before.slice(before.lastIndexOf(": ") + 2);
      const resource = afterColon.split(" ")[0];
      if (resource && isKubernetesName(resource.toLowerCase())) details.forbiddenResource = resource;
    }
  }
  return details;
}
