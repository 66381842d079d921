/**
 * Which CNI config the container runtime uses. containerd (go-cni) and CRI-O list the conf dir for `.conf`,
 * `.conflist` and `.json` files, sort the names byte-wise and take the first: a leftover `05-cilium.conflist` or
 * `10-flannel.conflist` therefore shadows `10-calico.conflist`. Pure.
 */

import { cniFromPluginType } from "../../cni/identity.ts";
import type { CniPlugin } from "../message/classification.ts";
import type { CniConfigFile, ConfDirEntry } from "./inspection.ts";
import { describeJsonSyntaxError } from "./json-position.ts";

const CONFIG_EXTENSIONS = [".conf", ".conflist", ".json"] as const;

/** Names of the entries the runtime would consider, in the order it tries them (byte-wise, as Go's sort.Strings). */
export function runtimeConfigCandidates(entries: readonly ConfDirEntry[]): string[] {
  return entries
    .filter((e) => e.type === "file" || e.type === "symlink")
    .map((e) => e.name)
    .filter((name) => CONFIG_EXTENSIONS.some((ext) => name.endsWith(ext)))
    .sort(compareBytes);
}

function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}

/** Parses one config file's text. Never throws: what is wrong with it goes into `problem`. */
export function parseCniConfig(name: string, text: string, truncated: boolean): CniConfigFile {
  const unusable = (problem: string): CniConfigFile => ({
    name,
    network: null,
    pluginTypes: [],
    cni: "unknown",
    problem,
  });
  if (truncated) return unusable("larger than the read limit; not parsed");
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    // Never V8's message: it quotes the file around the fault, and a config may hold a token (json-position.ts).
    return unusable(describeJsonSyntaxError(text));
  }
  if (doc === null || typeof doc !== "object" || Array.isArray(doc)) return unusable("not a JSON object");
  const record = doc as Record<string, unknown>;
  const network = typeof record.name === "string" ? record.name : null;
  const isList = name.endsWith(".conflist") || Array.isArray(record.plugins);
  const plugins = isList ? record.plugins : [record];
  if (!Array.isArray(plugins)) return { ...unusable("a .conflist without a `plugins` array"), network };
  const pluginTypes = plugins
    .map((p) => (p !== null && typeof p === "object" ? (p as Record<string, unknown>).type : undefined))
    .filter((t): t is string => typeof t === "string");
  if (pluginTypes.length === 0) {
    return { ...unusable(isList ? "no plugin has a `type`" : "no `type`"), network };
  }
  return { name, network, pluginTypes, cni: cniFromPluginType(pluginTypes[0]), problem: null };
}

export interface ShadowingAnalysis {
  /** The file the runtime uses, or null when there is none. */
  active: CniConfigFile | null;
  /** Configs of `expected` that sort after the active one and so are never used. */
  shadowed: CniConfigFile[];
}

/** Does another CNI's config sort before the expected CNI's one? */
export function findShadowing(
  configs: readonly CniConfigFile[],
  expected: readonly CniPlugin[],
): ShadowingAnalysis {
  const active = configs[0] ?? null;
  if (!active || expected.length === 0 || expected.includes(active.cni)) return { active, shadowed: [] };
  return { active, shadowed: configs.slice(1).filter((c) => expected.includes(c.cni)) };
}

/** Keys whose string values are credentials: legacy Calico configs carry `policy.k8s_auth_token`, others `token`. */
const CREDENTIAL_KEY = /token|password/i;

/**
 * The credential strings a CNI config holds, to be redacted from everything the inspection reports (an older Calico
 * install wrote the plugin's API token into the conflist itself). Unparsable text yields none: only its position is
 * ever reported.
 */
export function credentialStrings(text: string): string[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return [];
  }
  const found: string[] = [];
  const walk = (v: unknown, key: string | null, depth: number): void => {
    if (depth > 32) return;
    if (typeof v === "string") {
      if (key !== null && CREDENTIAL_KEY.test(key)) found.push(v);
    } else if (Array.isArray(v)) {
      for (const x of v) walk(x, key, depth + 1);
    } else if (v !== null && typeof v === "object") {
      for (const [k, x] of Object.entries(v)) walk(x, k, depth + 1);
    }
  };
  walk(doc, null, 0);
  return found;
}
