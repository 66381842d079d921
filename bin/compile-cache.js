// Node's on-disk compile cache for the CLI: compiling the sources (and @kubernetes/client-node's ~750 generated
// models) is most of a command's start-up; with the cache a warm `cni-doctor diagnose` sends its first request about a
// quarter sooner (README, Performance, benchmark 9). Kept in the user's own cache directory, never the shared
// temporary one (Node's default): another local user could plant code there. Anything unusual (no home, a directory
// that is a symlink, someone else's, or writable by others) means no cache, never an error.
// NODE_DISABLE_COMPILE_CACHE=1 turns it off; NODE_COMPILE_CACHE=DIR has Node use DIR instead.
import { lstatSync, mkdirSync } from "node:fs";
import { enableCompileCache } from "node:module";
import { homedir } from "node:os";
import { join } from "node:path";

export function enableUserCompileCache() {
  if (process.env.NODE_COMPILE_CACHE || process.env.NODE_DISABLE_COMPILE_CACHE) return;
  try {
    const base = process.env.XDG_CACHE_HOME || join(homedir(), ".cache");
    const dir = join(base, "cni-doctor", "compile-cache");
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const stats = lstatSync(dir);
    const ownedByMe = typeof process.getuid !== "function" || stats.uid === process.getuid();
    if (!stats.isDirectory() || !ownedByMe || (stats.mode & 0o022) !== 0) return;
    enableCompileCache(dir);
  } catch {
    // A read-only home (a container), no home at all: start without the cache.
  }
}
