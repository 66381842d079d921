/**
 * A container's view of the files, for `kubectl exec` into a simulated pod: its own root filesystem (an empty
 * directory per container: the image's files are not modelled, only what the node programs touch) with each hostPath
 * volume mounted at its `mountPath`, read-only where the volumeMount says so (writes fail with EROFS, as on a `ro` bind
 * mount) or where the container's root filesystem is read-only. Each mount is its own device: `mv` between two of
 * them copies and unlinks, as GNU mv does after rename(2) fails with EXDEV.
 *
 * Paths are normalised lexically before the mount is chosen (`..` cannot climb out of a mount into the node's files);
 * inside a mount, resolution is the node's (`NodeFilesystem`), re-rooted at the volume's path, so an absolute symlink
 * in a volume resolves inside that volume rather than in the container's namespace. That difference is on purpose:
 * the simulator never lets a path reach past what the pod mounted.
 *
 * Who the process is: uid 0 by default (an image without USER runs as root). With the runtime's default capabilities
 * it has CAP_DAC_OVERRIDE and may read and write anything; with capabilities dropped it is held to the owner bits
 * (every simulated file belongs to root, so root still reads a 0600 file, but not a 0000 one); another uid is held to
 * the "other" bits, as on a node without sudo.
 */
import type { BigIntStats } from "node:fs";
import { lstat } from "node:fs/promises";
import { dirname, join, posix } from "node:path";
import {
  type AccessKind,
  asNodeFsError,
  type FileTree,
  NodeFilesystem,
  NodeFsError,
  type ResolvedPath,
} from "../ssh/node-filesystem.ts";

export interface ContainerMount {
  /** Where the container sees it, e.g. /host/etc/cni/net.d. */
  mountPath: string;
  /** The directory on the host that stands for the volume's source (node root + hostPath.path). */
  hostDirectory: string;
  readOnly: boolean;
}

/** What the process may do with files it does not get by permission bits alone. */
export type FileAccessRights = "dac-override" | "owner" | "other";

const OWNER_BITS: Record<AccessKind, number> = { read: 0o400, write: 0o200, search: 0o100 };
const OTHER_BITS: Record<AccessKind, number> = { read: 0o004, write: 0o002, search: 0o001 };

export class ContainerFilesystem implements FileTree {
  readonly #rootfs: ContainerMount;
  /** Longest mount path first, so the most specific mount wins. */
  readonly #mounts: ContainerMount[];
  readonly #rights: FileAccessRights;

  constructor(rootfs: ContainerMount, mounts: ContainerMount[], rights: FileAccessRights) {
    this.#rootfs = rootfs;
    this.#mounts = [...mounts].sort((a, b) => b.mountPath.length - a.mountPath.length);
    this.#rights = rights;
  }

  async resolve(path: string, options: { followFinal: boolean }): Promise<ResolvedPath> {
    if (path === "") throw new NodeFsError("ENOENT");
    const absolute = posix.normalize(posix.join("/", path));
    const mount = this.#mountFor(absolute);
    const inside = mount.mountPath === "/" ? absolute : absolute.slice(mount.mountPath.length) || "/";
    // Resolution inside the mount is the node's. Directories on the way need their search bit for a process held to
    // the "other" bits; root without CAP_DAC_OVERRIDE is held to the owner's search bit, which every simulated
    // directory has (none is created without it), so it resolves as root does.
    const resolved = await new NodeFilesystem(mount.hostDirectory, this.#rights !== "other").resolve(
      inside,
      options,
    );
    return {
      ...resolved,
      nodePath: mount.mountPath === "/" ? resolved.nodePath : posix.join(mount.mountPath, resolved.nodePath),
      device: mount.mountPath,
      readOnly: mount.readOnly,
    };
  }

  async resolveExisting(
    path: string,
    options: { followFinal: boolean },
  ): Promise<ResolvedPath & { stat: BigIntStats }> {
    const resolved = await this.resolve(path, options);
    if (resolved.stat === undefined) throw new NodeFsError("ENOENT");
    return resolved as ResolvedPath & { stat: BigIntStats };
  }

  isRoot(resolved: ResolvedPath): boolean {
    return resolved.nodePath === "/";
  }

  checkAccess(stat: BigIntStats, kind: AccessKind): void {
    if (this.#rights === "dac-override") return;
    const bits = this.#rights === "owner" ? OWNER_BITS : OTHER_BITS;
    if ((Number(stat.mode) & bits[kind]) === 0) throw new NodeFsError("EACCES");
  }

  async checkWritable(resolved: ResolvedPath): Promise<void> {
    if (resolved.readOnly) throw new NodeFsError("EROFS");
    // A mount point cannot be renamed or removed from inside the container.
    if (this.#mounts.some((m) => m.mountPath === resolved.nodePath)) throw new NodeFsError("EBUSY");
    this.checkAccess(await this.parentStat(resolved), "write");
  }

  async parentStat(resolved: ResolvedPath): Promise<BigIntStats> {
    if (this.isRoot(resolved)) throw new NodeFsError("EINVAL");
    return await lstat(dirname(resolved.hostPath), { bigint: true });
  }

  async entryIn(directory: ResolvedPath, name: string): Promise<ResolvedPath> {
    const nodePath = posix.join(directory.nodePath, name);
    // An entry that is itself a mount point belongs to that mount.
    if (this.#mounts.some((m) => m.mountPath === nodePath))
      return await this.resolve(nodePath, { followFinal: false });
    const hostPath = join(directory.hostPath, name);
    const where = { device: directory.device, readOnly: directory.readOnly } as const;
    try {
      return { nodePath, hostPath, stat: await lstat(hostPath, { bigint: true }), ...where };
    } catch (err) {
      const error = asNodeFsError(err);
      if (error.code === "ENOENT") return { nodePath, hostPath, stat: undefined, ...where };
      throw error;
    }
  }

  #mountFor(absolute: string): ContainerMount {
    for (const m of this.#mounts) {
      if (absolute === m.mountPath || absolute.startsWith(`${m.mountPath}/`)) return m;
    }
    return this.#rootfs;
  }
}
