/**
 * Writes what cni-doctor needs to reach the simulated nodes (`cni-doctor sim --nodes-out PATH`): a nodes file in the
 * product's documented schema (src/nodes/README.md), a known_hosts file with every node's host key, and the client
 * private key (mode 0600). The nodes file names the other two by paths relative to its own directory, so the three
 * files can be moved together.
 */
import { randomBytes } from "node:crypto";
import { chmod, mkdir, rename, rm, writeFile } from "node:fs/promises";
import { basename, dirname, extname, join, relative, resolve } from "node:path";
import { stringify } from "yaml";
import type { NodeSshServers } from "./server.ts";

/** Nodes-file defaults a caller may add (timeouts, retries...), in the product's schema. */
export interface NodesFileSettings {
  sudo?: boolean;
  cniConfDir?: string;
  connectTimeoutMs?: number;
  commandTimeoutMs?: number;
  connectRetries?: number;
  connectRetryDelayMs?: number;
  concurrency?: number;
  maxOutputBytes?: number;
}

export interface NodesOutPaths {
  /** The nodes file (YAML). */
  nodesFile: string;
  /** Default: beside the nodes file, `<stem>.known_hosts`. */
  knownHostsFile?: string;
  /** Default: beside the nodes file, `<stem>.id_ed25519`. */
  privateKeyFile?: string;
}

export interface NodesOutFiles {
  nodesFile: string;
  knownHostsFile: string;
  privateKeyFile: string;
}

/** The sibling files' default paths: nodes.yaml → nodes.known_hosts, nodes.id_ed25519. */
export function nodesOutPaths(paths: string | NodesOutPaths): NodesOutFiles {
  const given = typeof paths === "string" ? { nodesFile: paths } : paths;
  const nodesFile = resolve(given.nodesFile);
  const extension = extname(nodesFile);
  const stem = join(
    dirname(nodesFile),
    basename(nodesFile, extension === ".yaml" || extension === ".yml" ? extension : ""),
  );
  return {
    nodesFile,
    knownHostsFile: resolve(given.knownHostsFile ?? `${stem}.known_hosts`),
    privateKeyFile: resolve(given.privateKeyFile ?? `${stem}.id_ed25519`),
  };
}

/** A path as the nodes file should name it: relative to the nodes file's directory. */
function relativeToNodesFile(nodesFile: string, path: string): string {
  return relative(dirname(nodesFile), path);
}

/** The nodes file's content: defaults for every node (user, key, known_hosts, sudo) and each node's port. */
export function renderNodesFile(
  servers: NodeSshServers,
  files: NodesOutFiles,
  settings: NodesFileSettings = {},
): string {
  const nodes: Record<string, { host: string; port: number }> = {};
  for (const endpoint of servers.endpoints.values())
    nodes[endpoint.node] = { host: endpoint.host, port: endpoint.port };
  const document = {
    defaults: {
      user: servers.user,
      privateKeyPath: relativeToNodesFile(files.nodesFile, files.privateKeyFile),
      knownHostsPath: relativeToNodesFile(files.nodesFile, files.knownHostsFile),
      sudo: true,
      ...settings,
    },
    nodes,
  };
  return (
    "# Written by `cni-doctor sim` for its simulated nodes (SSH on 127.0.0.1). Paths are relative to this file.\n" +
    stringify(document)
  );
}

/** Writes a file atomically (temp file, then rename) with the given mode, so no reader sees it half-written. */
async function writeFileAtomically(path: string, content: string, mode: number): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temporary = `${path}.${randomBytes(6).toString("hex")}.tmp`;
  try {
    await writeFile(temporary, content, { mode, flag: "wx" });
    // The umask may have narrowed the mode; make it exactly what was asked.
    await chmod(temporary, mode);
    await rename(temporary, path);
  } catch (err) {
    await rm(temporary, { force: true });
    throw err;
  }
}

/** Writes the nodes file, known_hosts and the client key (0600); returns their absolute paths. */
export async function writeNodesOut(
  servers: NodeSshServers,
  paths: string | NodesOutPaths,
  settings: NodesFileSettings = {},
): Promise<NodesOutFiles> {
  const files = nodesOutPaths(paths);
  await writeFileAtomically(files.privateKeyFile, servers.clientPrivateKey.reveal(), 0o600);
  await writeFileAtomically(files.knownHostsFile, servers.knownHosts(), 0o644);
  await writeFileAtomically(files.nodesFile, renderNodesFile(servers, files, settings), 0o644);
  return files;
}
