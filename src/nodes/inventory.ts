/**
 * The nodes file: how to reach each node over SSH. YAML, validated with zod; errors name the file, the path inside
 * it and what is wrong. Secrets never live in the file: a key passphrase comes from an environment variable the file
 * names (`privateKeyPassphraseEnv`), and ssh-agent is used via SSH_AUTH_SOCK.
 *
 * ```yaml
 * defaults:
 *   user: cnidoctor
 *   privateKeyPath: keys/id_ed25519        # relative to this file
 *   privateKeyPassphraseEnv: CNI_DOCTOR_SSH_PASSPHRASE
 *   knownHostsPath: known_hosts
 *   sudo: true
 *   jumpHost: { host: bastion.example.com, port: 22, user: ops }
 * nodes:
 *   k8s-worker1: { host: 10.0.0.11, cniConfDir: /var/lib/rancher/k3s/agent/etc/cni/net.d }
 *   k8s-worker2: { hostKeyFingerprint: "SHA256:...", jumpHost: null }
 * ```
 */
import { readFile } from "node:fs/promises";
import { isIP } from "node:net";
import { homedir } from "node:os";
import { dirname, isAbsolute, resolve } from "node:path";
import { parseDocument } from "yaml";
import { z } from "zod";
import { closestName, looksLikeTypoOf } from "../shared/closest-name.ts";
import { validateAbsolutePath } from "./commands.ts";
import { NodeAccessError } from "./errors.ts";
import { FINGERPRINT_PATTERN } from "./host-keys.ts";

export const DEFAULT_CNI_CONF_DIR = "/etc/cni/net.d";
export const DEFAULT_SSH_PORT = 22;
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
export const DEFAULT_COMMAND_TIMEOUT_MS = 30_000;
export const DEFAULT_MAX_OUTPUT_BYTES = 1024 * 1024;
export const DEFAULT_CONCURRENCY = 8;
export const DEFAULT_CONNECT_RETRIES = 2;
export const DEFAULT_CONNECT_RETRY_DELAY_MS = 500;

// ---------------------------------------------------------------------------------------------------------------
// schema

const hostName = z
  .string()
  .regex(
    /^(?:[A-Za-z0-9_](?:[A-Za-z0-9_.-]{0,251}[A-Za-z0-9_])?|[0-9A-Fa-f:.]+)$/,
    "expected a host name or IP address (letters, digits, '.', '-', '_'; no spaces or leading '-')",
  );
const port = z
  .int("expected a whole number")
  .min(1, "expected a port 1..65535")
  .max(65535, "expected a port 1..65535");
const userName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_.-]{0,31}$/, "expected a Unix user name");
const filePath = z.string().min(1, "expected a file path");
const envVarName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "expected an environment variable name");
const fingerprint = z
  .string()
  .regex(FINGERPRINT_PATTERN, 'expected "SHA256:" and 43 base64 characters, as `ssh-keygen -lf` prints');
const fingerprints = z.union([fingerprint, z.array(fingerprint).min(1)]);
const absoluteDir = z.string().refine((p) => {
  try {
    validateAbsolutePath(p);
    return true;
  } catch {
    return false;
  }
}, "expected an absolute, normalised directory path (no '..', no trailing '/')");
const agent = z.union([z.boolean(), filePath]);

const jumpHostSchema = z.strictObject({
  host: hostName,
  port: port.optional(),
  user: userName.optional(),
  privateKeyPath: filePath.optional(),
  privateKeyPassphraseEnv: envVarName.optional(),
  agent: agent.optional(),
  knownHostsPath: filePath.optional(),
  hostKeyFingerprint: fingerprints.optional(),
});

const nodeSettingsShape = {
  host: hostName.optional(),
  port: port.optional(),
  user: userName.optional(),
  privateKeyPath: filePath.optional(),
  privateKeyPassphraseEnv: envVarName.optional(),
  agent: agent.optional(),
  knownHostsPath: filePath.optional(),
  hostKeyFingerprint: fingerprints.optional(),
  sudo: z.boolean().optional(),
  cniConfDir: absoluteDir.optional(),
  /** null: reach this node directly even though defaults name a jump host. */
  jumpHost: jumpHostSchema.nullable().optional(),
  connectTimeoutMs: z.int().min(100).max(600_000).optional(),
  commandTimeoutMs: z.int().min(100).max(3_600_000).optional(),
  maxOutputBytes: z
    .int()
    .min(1024)
    .max(64 * 1024 * 1024)
    .optional(),
};

const { host: _hostIsPerNode, ...defaultsShape } = nodeSettingsShape;

/** Settings of the whole file, only under `defaults`. */
const defaultsOnlyShape = {
  concurrency: z.int().min(1).max(256).optional(),
  connectRetries: z.int().min(0).max(5).optional(),
  connectRetryDelayMs: z.int().min(0).max(60_000).optional(),
};

const inventorySchema = z.strictObject({
  defaults: z.strictObject({ ...defaultsShape, ...defaultsOnlyShape }).optional(),
  nodes: z.record(z.string().min(1), z.strictObject(nodeSettingsShape).nullable()).optional(),
});

/** The nodes file's keys, for the settings page's check: per node, and those only `defaults` may hold. */
export const NODES_FILE_KEYS = {
  node: Object.keys(nodeSettingsShape),
  defaultsOnly: Object.keys(defaultsOnlyShape),
} as const;

type RawNodeSettings = z.infer<z.ZodObject<typeof nodeSettingsShape>>;
type RawJumpHost = z.infer<typeof jumpHostSchema>;

// ---------------------------------------------------------------------------------------------------------------
// resolved types

/** How to authenticate. Secrets are referenced (env var name, agent socket), never held here. */
export interface ClientAuth {
  privateKeyPath: string | undefined;
  privateKeyPassphraseEnv: string | undefined;
  /** true: use SSH_AUTH_SOCK; a string: that agent socket path. */
  agent: boolean | string;
}

export type HostKeySource =
  | { kind: "known-hosts"; path: string }
  | { kind: "pinned"; fingerprints: string[] };

export interface SshEndpoint {
  host: string;
  port: number;
  user: string;
  auth: ClientAuth;
  hostKeys: HostKeySource;
}

/** Everything needed to reach one node. Plain data: safe to log (it holds no secrets). */
export interface NodeTarget extends SshEndpoint {
  nodeName: string;
  sudo: boolean;
  cniConfDir: string;
  jumpHost: SshEndpoint | undefined;
  connectTimeoutMs: number;
  commandTimeoutMs: number;
  maxOutputBytes: number;
}

export interface Inventory {
  /** The nodes file this came from, or a description. */
  source: string;
  defaults: RawNodeSettings;
  nodes: Record<string, RawNodeSettings>;
  concurrency: number;
  connectRetries: number;
  connectRetryDelayMs: number;
  /**
   * Nodes with no entry of their own that an entry naming no node looks meant for (node name → that entry), from
   * `withClusterNodes`. They are refused rather than dialled at their InternalIP: the operator gave no address for
   * the node they named.
   */
  misnamedFor?: Record<string, string>;
}

// ---------------------------------------------------------------------------------------------------------------
// loading

function invalid(source: string, where: string, problem: string): NodeAccessError {
  return new NodeAccessError(
    "inventory-invalid",
    `nodes file ${source}: ${where === "" ? "" : `${where}: `}${problem}`,
  );
}

function formatPath(path: readonly PropertyKey[]): string {
  return path.map((p) => (typeof p === "number" ? `[${p}]` : String(p))).join(".");
}

/** Keys that would put a secret into the file. Named explicitly so the error can say where the secret belongs. */
const SECRET_KEYS = /^(passphrase|privateKeyPassphrase|password|privateKey|token)$/i;

function findSecretKey(value: unknown, path: string[] = []): string[] | undefined {
  if (value === null || typeof value !== "object") return undefined;
  for (const [key, child] of Object.entries(value)) {
    if (SECRET_KEYS.test(key)) return [...path, key];
    const found = findSecretKey(child, [...path, key]);
    if (found !== undefined) return found;
  }
  return undefined;
}

function expandPath(path: string, baseDir: string): string {
  if (path === "~" || path.startsWith("~/")) return resolve(homedir(), path.slice(2));
  return isAbsolute(path) ? path : resolve(baseDir, path);
}

function resolvePaths<T extends RawNodeSettings | RawJumpHost>(settings: T, baseDir: string): T {
  const out = { ...settings };
  if (out.privateKeyPath !== undefined) out.privateKeyPath = expandPath(out.privateKeyPath, baseDir);
  if (out.knownHostsPath !== undefined) out.knownHostsPath = expandPath(out.knownHostsPath, baseDir);
  if (typeof out.agent === "string") out.agent = expandPath(out.agent, baseDir);
  if ("jumpHost" in out && out.jumpHost != null) out.jumpHost = resolvePaths(out.jumpHost, baseDir);
  return out;
}

/**
 * Parses nodes-file text. `source` names it in errors; relative paths resolve against `baseDir`. Every listed node is
 * checked for completeness (user, key, host key source) now, so mistakes surface before any connection is tried.
 */
export function parseInventory(text: string, source: string, baseDir: string): Inventory {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  const yamlError = doc.errors[0];
  if (yamlError !== undefined) {
    const pos = yamlError.linePos?.[0];
    const where = pos === undefined ? "" : `line ${pos.line}, column ${pos.col}`;
    // prettyErrors appends " at line L, column C:" and a source excerpt; we state the position ourselves.
    const problem = (yamlError.message.split("\n")[0] ?? "").replace(/ at line \d+, column \d+:?$/, "");
    throw invalid(source, where, `not valid YAML: ${problem}`);
  }
  const raw: unknown = doc.toJS() ?? {};
  const secret = findSecretKey(raw);
  if (secret !== undefined) {
    throw invalid(
      source,
      secret.join("."),
      "secrets do not belong in the nodes file. Put a key passphrase in an environment variable and name it with " +
        "privateKeyPassphraseEnv, point privateKeyPath at the key file, or use agent: true.",
    );
  }
  const parsed = inventorySchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const problems = parsed.error.issues
      .slice(0, 5)
      .map((i) => `${formatPath(i.path) || "(top level)"}: ${i.message}`)
      .join("; ");
    throw invalid(source, "", issue === undefined ? "invalid" : problems);
  }
  const { defaults = {}, nodes = {} } = parsed.data;
  const { concurrency, connectRetries, connectRetryDelayMs, ...nodeDefaults } = defaults;
  const inventory: Inventory = {
    source,
    defaults: resolvePaths(nodeDefaults, baseDir),
    nodes: Object.fromEntries(
      Object.entries(nodes).map(([name, settings]) => [name, resolvePaths(settings ?? {}, baseDir)]),
    ),
    concurrency: concurrency ?? DEFAULT_CONCURRENCY,
    connectRetries: connectRetries ?? DEFAULT_CONNECT_RETRIES,
    connectRetryDelayMs: connectRetryDelayMs ?? DEFAULT_CONNECT_RETRY_DELAY_MS,
  };
  for (const [name, settings] of Object.entries(inventory.nodes)) {
    // A placeholder address: only the host may come from the cluster, everything else must be complete now.
    resolveWith(inventory, name, settings.host ?? "192.0.2.1");
  }
  return inventory;
}

/** Reads and parses a nodes file (from --nodes-file or CNI_DOCTOR_NODES_FILE, chosen by the caller). */
export async function loadInventory(path: string): Promise<Inventory> {
  const absolute = resolve(path);
  let text: string;
  try {
    text = await readFile(absolute, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? "error";
    throw new NodeAccessError("inventory-invalid", `cannot read nodes file ${absolute} (${code}).`, {
      hint: "Check --nodes-file / CNI_DOCTOR_NODES_FILE.",
    });
  }
  return parseInventory(text, absolute, dirname(absolute));
}

// ---------------------------------------------------------------------------------------------------------------
// resolving a node

function authOf(settings: {
  privateKeyPath?: string;
  privateKeyPassphraseEnv?: string;
  agent?: boolean | string;
}) {
  return {
    privateKeyPath: settings.privateKeyPath,
    privateKeyPassphraseEnv: settings.privateKeyPassphraseEnv,
    agent: settings.agent ?? false,
  } satisfies ClientAuth;
}

function hostKeySource(
  fingerprint: string | string[] | undefined,
  knownHostsPath: string | undefined,
): HostKeySource | undefined {
  if (fingerprint !== undefined) {
    return { kind: "pinned", fingerprints: Array.isArray(fingerprint) ? fingerprint : [fingerprint] };
  }
  return knownHostsPath === undefined ? undefined : { kind: "known-hosts", path: knownHostsPath };
}

function resolveWith(inventory: Inventory, nodeName: string, host: string): NodeTarget {
  const node = inventory.nodes[nodeName] ?? {};
  const d = inventory.defaults;
  const where = inventory.nodes[nodeName] === undefined ? "defaults" : `nodes.${nodeName}`;
  const user = node.user ?? d.user;
  if (user === undefined)
    throw invalid(
      inventory.source,
      where,
      `no SSH user for node ${nodeName}: set defaults.user or nodes.${nodeName}.user`,
    );
  const auth = authOf({
    privateKeyPath: node.privateKeyPath ?? d.privateKeyPath,
    privateKeyPassphraseEnv: node.privateKeyPassphraseEnv ?? d.privateKeyPassphraseEnv,
    agent: node.agent ?? d.agent,
  });
  if (auth.privateKeyPath === undefined && auth.agent === false) {
    throw invalid(
      inventory.source,
      where,
      `no SSH key for node ${nodeName}: set privateKeyPath or agent: true`,
    );
  }
  const knownHostsPath = node.knownHostsPath ?? d.knownHostsPath;
  const hostKeys = hostKeySource(node.hostKeyFingerprint ?? d.hostKeyFingerprint, knownHostsPath);
  if (hostKeys === undefined) {
    throw invalid(
      inventory.source,
      where,
      `no way to verify node ${nodeName}'s host key: set knownHostsPath or hostKeyFingerprint (host keys are always verified)`,
    );
  }
  const jump = node.jumpHost === null ? undefined : (node.jumpHost ?? d.jumpHost ?? undefined);
  let jumpHost: SshEndpoint | undefined;
  if (jump !== undefined) {
    const jumpKeys = hostKeySource(jump.hostKeyFingerprint, jump.knownHostsPath ?? knownHostsPath);
    if (jumpKeys === undefined) {
      throw invalid(
        inventory.source,
        `${where}.jumpHost`,
        "set knownHostsPath or hostKeyFingerprint for the jump host",
      );
    }
    const ownAuth = jump.privateKeyPath !== undefined || jump.agent !== undefined;
    jumpHost = {
      host: jump.host,
      port: jump.port ?? DEFAULT_SSH_PORT,
      user: jump.user ?? user,
      auth: ownAuth ? authOf(jump) : auth,
      hostKeys: jumpKeys,
    };
  }
  return {
    nodeName,
    host,
    port: node.port ?? d.port ?? DEFAULT_SSH_PORT,
    user,
    auth,
    hostKeys,
    sudo: node.sudo ?? d.sudo ?? false,
    cniConfDir: node.cniConfDir ?? d.cniConfDir ?? DEFAULT_CNI_CONF_DIR,
    jumpHost,
    connectTimeoutMs: node.connectTimeoutMs ?? d.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    commandTimeoutMs: node.commandTimeoutMs ?? d.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS,
    maxOutputBytes: node.maxOutputBytes ?? d.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES,
  };
}

/**
 * The full SSH target for a node. By default the node is reached at `internalIP` (from its Node object) on port 22;
 * the nodes file may override host, port and everything else per node.
 */
export function resolveNodeTarget(
  inventory: Inventory,
  nodeName: string,
  internalIP: string | undefined,
): NodeTarget {
  const misnamed = inventory.misnamedFor?.[nodeName];
  if (misnamed !== undefined && inventory.nodes[nodeName] === undefined) {
    throw new NodeAccessError(
      "inventory-invalid",
      `not dialled: the nodes file's entry "${misnamed}" names no node and looks meant for it, so the address it would be reached at (its InternalIP) is not one the nodes file gives.`,
      {
        node: nodeName,
        hint: `Rename nodes.${misnamed} to ${nodeName} in ${inventory.source} (or add an entry for ${nodeName}).`,
      },
    );
  }
  const configuredHost = inventory.nodes[nodeName]?.host;
  if (configuredHost !== undefined) return resolveWith(inventory, nodeName, configuredHost);
  if (internalIP === undefined || isIP(internalIP) === 0) {
    throw new NodeAccessError(
      "argument-rejected",
      `has no usable address: InternalIP ${JSON.stringify(internalIP ?? null)} is not an IP address and the nodes file sets no host for it.`,
      { node: nodeName, hint: `Set nodes.${nodeName}.host in ${inventory.source}.` },
    );
  }
  return resolveWith(inventory, nodeName, internalIP);
}

// ---------------------------------------------------------------------------------------------------------------
// entries against the cluster's nodes

/** A nodes-file entry whose name is no node of the cluster (a typo such as `k8s-wroker2:`, or a node since removed). */
export interface UnmatchedEntry {
  entry: string;
  /** The cluster's node with the closest name; null when the cluster has none. */
  closestNode: string | null;
  /** Set when that node has no entry of its own and the names are a typo apart: it will not be dialled. */
  refusedNode: string | null;
  /** One line naming the entry, the closest node and what happens. */
  warning: string;
}

/**
 * Checks the entries against the cluster's node names. Each entry naming no node is a warning; a node it looks meant
 * for, with no entry of its own, is refused from then on (see `misnamedFor`), never dialled at its InternalIP.
 */
export function withClusterNodes(
  inventory: Inventory,
  clusterNodes: readonly string[],
): { inventory: Inventory; unmatched: UnmatchedEntry[] } {
  const known = new Set(clusterNodes);
  const misnamedFor: Record<string, string> = { ...inventory.misnamedFor };
  const unmatched: UnmatchedEntry[] = [];
  for (const entry of Object.keys(inventory.nodes).sort()) {
    if (known.has(entry)) continue;
    const closestNode = closestName(entry, clusterNodes);
    const refusedNode =
      closestNode !== null &&
      inventory.nodes[closestNode] === undefined &&
      looksLikeTypoOf(entry, closestNode)
        ? closestNode
        : null;
    if (refusedNode !== null) misnamedFor[refusedNode] = entry;
    const closest = closestNode === null ? "the cluster has no nodes" : `closest node: ${closestNode}`;
    unmatched.push({
      entry,
      closestNode,
      refusedNode,
      warning: `nodes file ${inventory.source}: entry "${entry}" names no node in the cluster (${closest})${
        refusedNode === null
          ? "; it is not used."
          : `; ${refusedNode} will not be dialled until the entry is renamed to ${refusedNode}.`
      }`,
    });
  }
  return { inventory: { ...inventory, misnamedFor }, unmatched };
}
