/**
 * The CLI's compile cache (bin/compile-cache.js): kept in the user's own cache directory, created private, and not
 * used at all when that directory is a symlink or writable by others (someone could plant code there), or when the
 * user turned it off. Each case runs in a child process, since enabling the cache is process-wide.
 */
import { execFileSync } from "node:child_process";
import { chmod, mkdir, mkdtemp, rm, stat, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const REPO_ROOT = new URL("../../", import.meta.url).pathname;

const PROBE = `
const { enableUserCompileCache } = await import(${JSON.stringify(join(REPO_ROOT, "bin/compile-cache.js"))});
enableUserCompileCache();
const { getCompileCacheDir } = await import("node:module");
process.stdout.write(String(getCompileCacheDir() ?? "none"));
`;

function cacheDirWith(env: Record<string, string>): string {
  const clean = { ...process.env };
  delete clean.NODE_COMPILE_CACHE;
  delete clean.NODE_DISABLE_COMPILE_CACHE;
  return execFileSync(process.execPath, ["--input-type=module", "-e", PROBE], {
    env: { ...clean, ...env },
    encoding: "utf8",
  });
}

describe("the CLI's compile cache", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "cni-doctor-compile-cache-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("lives in the user's cache directory, created private (0700)", async () => {
    const home = join(dir, "fresh");
    const used = cacheDirWith({ XDG_CACHE_HOME: home });
    expect(used.startsWith(join(home, "cni-doctor", "compile-cache"))).toBe(true);
    expect((await stat(join(home, "cni-doctor", "compile-cache"))).mode & 0o777).toBe(0o700);
  });

  it("is not used when the directory is writable by others", async () => {
    const home = join(dir, "shared");
    await mkdir(join(home, "cni-doctor", "compile-cache"), { recursive: true });
    await chmod(join(home, "cni-doctor", "compile-cache"), 0o777);
    expect(cacheDirWith({ XDG_CACHE_HOME: home })).toBe("none");
  });

  it("is not used when the directory is a symlink (to somewhere another user chose)", async () => {
    const home = join(dir, "linked");
    const elsewhere = join(dir, "elsewhere");
    await mkdir(elsewhere, { mode: 0o700 });
    await mkdir(join(home, "cni-doctor"), { recursive: true });
    await symlink(elsewhere, join(home, "cni-doctor", "compile-cache"));
    expect(cacheDirWith({ XDG_CACHE_HOME: home })).toBe("none");
  });

  it("is off with NODE_DISABLE_COMPILE_CACHE, and a place the user cannot write is no error", async () => {
    expect(cacheDirWith({ XDG_CACHE_HOME: join(dir, "off"), NODE_DISABLE_COMPILE_CACHE: "1" })).toBe("none");
    // A cache "directory" under a file cannot be created, whoever runs it (root included): no cache, no error.
    const file = join(dir, "a-file");
    await writeFile(file, "");
    expect(cacheDirWith({ XDG_CACHE_HOME: join(file, "cache") })).toBe("none");
  });
});
