/**
 * A simulated node's filesystem: a real directory on disk used as the node's `/`, like a chroot. Every path a command
 * names is resolved here component by component, following symlinks ourselves, so that nothing can reach the host's
 * filesystem: `..` above the node root is refused, and an absolute symlink target is re-rooted at the node root (as a
 * chroot does). The host OS is then only ever given paths made of checked, non-symlink directories.
 *
 * Ownership is simulated: every file belongs to root:root, whatever the host says. A command run without sudo runs as
 * an ordinary user, so only the "other" permission bits apply to it; with sudo it runs as root and may do anything.
 */
import type { BigIntStats } from "node:fs";
import { lstat, readlink } from "node:fs/promises";
import { dirname, join, posix } from "node:path";

/** strerror(3) texts, as GNU tools print them after the file name. */
const ERRNO_TEXT = {
  ENOENT: "No such file or directory",
  ENOTDIR: "Not a directory",
  EISDIR: "Is a directory",
  EEXIST: "File exists",
  EACCES: "Permission denied",
  EPERM: "Operation not permitted",
  ELOOP: "Too many levels of symbolic links",
  ENOTEMPTY: "Directory not empty",
  EINVAL: "Invalid argument",
  EXDEV: "Invalid cross-device link",
  ENAMETOOLONG: "File name too long",
  EIO: "Input/output error",
  EROFS: "Read-only file system",
  EBUSY: "Device or resource busy",
} as const;

export type Errno = keyof typeof ERRNO_TEXT;

/** A failure with an errno, whose message is the strerror text tools print ("No such file or directory"). */
export class NodeFsError extends Error {
  readonly code: Errno;
  constructor(code: Errno) {
    super(ERRNO_TEXT[code]);
    this.code = code;
    this.name = "NodeFsError";
  }
}

/** Maps an error from node:fs (ENOENT...) to a NodeFsError; anything unexpected becomes EIO. */
export function asNodeFsError(err: unknown): NodeFsError {
  if (err instanceof NodeFsError) return err;
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code !== undefined && code in ERRNO_TEXT) return new NodeFsError(code as Errno);
  return new NodeFsError("EIO");
}

/** Linux's limit on symlinks followed while resolving one path. */
const MAX_SYMLINK_HOPS = 40;
const MAX_PATH_LENGTH = 4096;

export interface ResolvedPath {
  /** The canonical path as the node sees it (symlinks in directories resolved), e.g. /etc/cni/net.d/x. */
  nodePath: string;
  /** The real path on the host, inside the node root. */
  hostPath: string;
  /** lstat of the final component, or undefined when it does not exist (its parent does). */
  stat: BigIntStats | undefined;
  /**
   * Which filesystem holds it, where a path can cross mounts (a container's hostPath volumes); undefined on a node,
   * which is one filesystem here. A rename between two devices fails with EXDEV, so `mv` copies and unlinks.
   */
  device?: string;
  /** On a read-only mount: every change fails with EROFS. */
  readOnly?: boolean;
}

/**
 * What the simulated programs see of a filesystem: a node's (`NodeFilesystem`) or a container's, whose paths may lead
 * into hostPath volumes (`src/sim/exec/container-filesystem.ts`).
 */
export interface FileTree {
  resolve(path: string, options: { followFinal: boolean }): Promise<ResolvedPath>;
  resolveExisting(
    path: string,
    options: { followFinal: boolean },
  ): Promise<ResolvedPath & { stat: BigIntStats }>;
  isRoot(resolved: ResolvedPath): boolean;
  checkAccess(stat: BigIntStats, kind: AccessKind): void;
  /** Throws unless an entry may be created, removed or renamed at this path (EROFS, EACCES on its directory). */
  checkWritable(resolved: ResolvedPath): Promise<void>;
  parentStat(resolved: ResolvedPath): Promise<BigIntStats>;
  entryIn(directory: ResolvedPath, name: string): Promise<ResolvedPath>;
}

export type AccessKind = "read" | "write" | "search";

const OTHER_BITS: Record<AccessKind, number> = { read: 0o004, write: 0o002, search: 0o001 };

export class NodeFilesystem implements FileTree {
  /** Real directory on the host that is this node's `/`. */
  readonly hostRoot: string;
  /** True when commands run as root (behind sudo). */
  readonly privileged: boolean;

  constructor(hostRoot: string, privileged: boolean) {
    this.hostRoot = hostRoot;
    this.privileged = privileged;
  }

  /** The same node filesystem, as root (for `sudo`). */
  asRoot(): NodeFilesystem {
    return this.privileged ? this : new NodeFilesystem(this.hostRoot, true);
  }

  /** Throws EACCES unless the (simulated) user may access a file with this mode; root always may. */
  checkAccess(stat: BigIntStats, kind: AccessKind): void {
    if (this.privileged) return;
    if ((Number(stat.mode) & OTHER_BITS[kind]) === 0) throw new NodeFsError("EACCES");
  }

  /**
   * Resolves a path given to a command (absolute, or relative to `/`, the simulated working directory).
   * `followFinal`: whether a symlink as the last component is followed (stat) or taken as itself (lstat).
   * Throws NodeFsError: ENOENT/ENOTDIR for missing or non-directory parents, ELOOP, EACCES without search
   * permission, EPERM for `..` above the node root.
   */
  async resolve(path: string, options: { followFinal: boolean }): Promise<ResolvedPath> {
    if (path === "") throw new NodeFsError("ENOENT");
    if (path.length > MAX_PATH_LENGTH || path.includes("\0")) throw new NodeFsError("ENAMETOOLONG");
    let pending = components(path);
    /** Components resolved so far; each is a real directory on the host (never a symlink). */
    let resolved: string[] = [];
    let hops = 0;
    let directoryStat = await this.#lstatHost([]);
    while (pending.length > 0) {
      const [name, ...rest] = pending as [string, ...string[]];
      pending = rest;
      if (name === "..") {
        // A chroot would clamp `..` at `/`; refusing is stricter and makes escape attempts visible.
        if (resolved.length === 0) throw new NodeFsError("EPERM");
        resolved = resolved.slice(0, -1);
        directoryStat = await this.#lstatHost(resolved);
        continue;
      }
      this.checkAccess(directoryStat, "search");
      const isLast = pending.length === 0;
      let stat: BigIntStats;
      try {
        stat = await this.#lstatHost([...resolved, name]);
      } catch (err) {
        const error = asNodeFsError(err);
        if (error.code === "ENOENT" && isLast) {
          return {
            nodePath: nodePathOf([...resolved, name]),
            hostPath: this.#host([...resolved, name]),
            stat: undefined,
          };
        }
        throw error;
      }
      if (stat.isSymbolicLink() && (!isLast || options.followFinal)) {
        if (++hops > MAX_SYMLINK_HOPS) throw new NodeFsError("ELOOP");
        const target = await readlink(this.#host([...resolved, name]), "utf8");
        if (target.startsWith("/")) {
          resolved = [];
          directoryStat = await this.#lstatHost([]);
        }
        pending = [...components(target), ...pending];
        continue;
      }
      if (!isLast && !stat.isDirectory()) throw new NodeFsError("ENOTDIR");
      resolved = [...resolved, name];
      if (isLast) return { nodePath: nodePathOf(resolved), hostPath: this.#host(resolved), stat };
      directoryStat = stat;
    }
    // The path named the root itself ("/", "/.", "a/..").
    return { nodePath: nodePathOf(resolved), hostPath: this.#host(resolved), stat: directoryStat };
  }

  /** Resolves a path that must exist. */
  async resolveExisting(
    path: string,
    options: { followFinal: boolean },
  ): Promise<ResolvedPath & { stat: BigIntStats }> {
    const resolved = await this.resolve(path, options);
    if (resolved.stat === undefined) throw new NodeFsError("ENOENT");
    return resolved as ResolvedPath & { stat: BigIntStats };
  }

  async checkWritable(resolved: ResolvedPath): Promise<void> {
    this.checkAccess(await this.parentStat(resolved), "write");
  }

  /** Whether a resolved path is the node's `/` (which has no parent to change). */
  isRoot(resolved: ResolvedPath): boolean {
    return resolved.nodePath === "/";
  }

  /** lstat of the directory holding a resolved entry (a real directory, since resolution checked it). */
  async parentStat(resolved: ResolvedPath): Promise<BigIntStats> {
    if (this.isRoot(resolved)) throw new NodeFsError("EINVAL");
    return await lstat(dirname(resolved.hostPath), { bigint: true });
  }

  /** Resolves `name` inside an already-resolved directory, without following a final symlink. */
  async entryIn(directory: ResolvedPath, name: string): Promise<ResolvedPath> {
    const hostPath = join(directory.hostPath, name);
    const nodePath = posix.join(directory.nodePath, name);
    try {
      return { nodePath, hostPath, stat: await lstat(hostPath, { bigint: true }) };
    } catch (err) {
      const error = asNodeFsError(err);
      if (error.code === "ENOENT") return { nodePath, hostPath, stat: undefined };
      throw error;
    }
  }

  #host(parts: readonly string[]): string {
    return join(this.hostRoot, ...parts);
  }

  async #lstatHost(parts: readonly string[]): Promise<BigIntStats> {
    return await lstat(this.#host(parts), { bigint: true });
  }
}

/** Path components, dropping empty and "." ones; relative paths start at `/` (the simulated working directory). */
function components(path: string): string[] {
  return path.split("/").filter((part) => part !== "" && part !== ".");
}

function nodePathOf(parts: readonly string[]): string {
  return `/${parts.join("/")}`;
}

/** find's %y and the product's type letters: f d l b c p s. */
export function typeLetter(stat: BigIntStats): string {
  if (stat.isFile()) return "f";
  if (stat.isDirectory()) return "d";
  if (stat.isSymbolicLink()) return "l";
  if (stat.isBlockDevice()) return "b";
  if (stat.isCharacterDevice()) return "c";
  if (stat.isFIFO()) return "p";
  if (stat.isSocket()) return "s";
  return "U";
}
