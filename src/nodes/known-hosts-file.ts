/**
 * known_hosts read once per change, not once per connection: a fan-out to hundreds of nodes used to read and parse
 * the same file for every connection (and jump host). The parsed file is kept per path together with the file's
 * identity — device, inode, size, mtime and ctime in nanoseconds — and re-read whenever any of them differs, so an
 * edited, replaced or truncated file (a changed key, a new @revoked line) is used from the next connection on.
 *
 * ctime is part of the identity because nothing can set it back: `touch -d` or utimes() can restore an old mtime,
 * but every write still moves ctime. And like git's "racy" index entries, a file whose ctime or mtime is within
 * RACY_MARGIN of the moment it was stat'ed is parsed but not cached: file timestamps are only as fine as the kernel's
 * clock tick, so a second write in the same tick with the same size could otherwise look unchanged.
 */
import type { BigIntStats } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import { type KnownHosts, parseKnownHosts } from "./host-keys.ts";

/** The file system calls the cache makes; tests count them. */
export interface KnownHostsIo {
  stat(path: string): Promise<BigIntStats>;
  readFile(path: string): Promise<string>;
}

const nodeIo: KnownHostsIo = {
  stat: (path) => stat(path, { bigint: true }),
  readFile: (path) => readFile(path, "utf8"),
};

/** A file changed less than this long before it was stat'ed is not cached (see above). */
const RACY_MARGIN_NS = 2_000_000_000n;

function identity(s: BigIntStats): string {
  return `${s.dev}:${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`;
}

export class KnownHostsCache {
  readonly #io: KnownHostsIo;
  readonly #nowNs: () => bigint;
  readonly #entries = new Map<string, { identity: string; knownHosts: KnownHosts }>();
  /** Loads asked for and files actually read and parsed, since start: `npm run bench` reports reads per fan-out. */
  readonly counts = { loads: 0, reads: 0 };

  constructor(options: { io?: KnownHostsIo; nowNs?: () => bigint } = {}) {
    this.#io = options.io ?? nodeIo;
    this.#nowNs = options.nowNs ?? (() => BigInt(Date.now()) * 1_000_000n);
  }

  /**
   * The parsed file at `path`: from the cache when its identity is unchanged, else read and parsed again.
   * Throws the file system's error (ENOENT, EACCES, ...) as readFile would; a failed stat forgets the path.
   */
  async load(path: string): Promise<KnownHosts> {
    this.counts.loads++;
    let stats: BigIntStats;
    try {
      stats = await this.#io.stat(path);
    } catch (err) {
      this.#entries.delete(path);
      throw err;
    }
    const id = identity(stats);
    const cached = this.#entries.get(path);
    if (cached !== undefined && cached.identity === id) return cached.knownHosts;

    // Stat before reading: if the file changes during or after the read, its ctime moves past the one recorded here,
    // so the next load reads it again; what is cached is never older than the identity it is filed under.
    this.counts.reads++;
    const knownHosts = parseKnownHosts(await this.#io.readFile(path), path);
    const newest = stats.ctimeNs > stats.mtimeNs ? stats.ctimeNs : stats.mtimeNs;
    if (this.#nowNs() - newest >= RACY_MARGIN_NS) this.#entries.set(path, { identity: id, knownHosts });
    else this.#entries.delete(path);
    return knownHosts;
  }

  /** How many files are cached (for tests). */
  get size(): number {
    return this.#entries.size;
  }
}

/** The process's cache, shared by every SSH connection. */
export const knownHostsCache = new KnownHostsCache();
