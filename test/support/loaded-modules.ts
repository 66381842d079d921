/** Which modules and packages a CLI invocation loads, read from the loader (see record-loaded-modules.ts). */
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

const REPO = new URL("../../", import.meta.url).pathname;
const HOOK = new URL("./record-loaded-modules.ts", import.meta.url).pathname;

export interface LoadedModules {
  exitCode: number | null;
  stderr: string;
  /** Every module URL the process loaded, in load order. */
  urls: string[];
  /** The npm packages among them (`@scope/name` or `name`), each once. */
  packages: Set<string>;
}

/** Runs `node [--import hook] bin/cni-doctor.js ARGS` in the repo with Node 26 and returns what it loaded. */
export async function cliLoadedModules(
  args: string[],
  options: { node?: string; env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Promise<LoadedModules> {
  const dir = await mkdtemp(join(tmpdir(), "cni-doctor-modules-"));
  const out = join(dir, "loaded.json");
  try {
    const child = spawn(
      options.node ?? join(REPO, "node_modules/.bin/node"),
      ["--import", HOOK, "bin/cni-doctor.js", ...args],
      {
        cwd: options.cwd ?? REPO,
        env: { ...(options.env ?? process.env), CNI_DOCTOR_LOADED_MODULES_OUT: out },
        stdio: ["ignore", "ignore", "pipe"],
      },
    );
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString("utf8")));
    const exitCode = await new Promise<number | null>((resolve, reject) => {
      child.on("error", reject);
      child.on("exit", resolve);
    });
    const urls = JSON.parse(await readFile(out, "utf8")) as string[];
    return { exitCode, stderr, urls, packages: packagesOf(urls) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The npm packages module URLs come from: the path segment(s) after the last node_modules/. */
export function packagesOf(urls: readonly string[]): Set<string> {
  const packages = new Set<string>();
  for (const url of urls) {
    const m = /.*\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
    if (m?.[1]) packages.add(m[1]);
  }
  return packages;
}
