/** The programs a simulated node has: exactly the coreutils/findutils cni-doctor's command templates use. */
import { date } from "./date.ts";
import { find } from "./find.ts";
import { head } from "./head.ts";
import { mkdir } from "./mkdir.ts";
import { mv } from "./mv.ts";
import type { Program } from "./program.ts";
import { sha256sum } from "./sha256sum.ts";

export const PROGRAMS: ReadonlyMap<string, Program> = new Map<string, Program>([
  ["find", find],
  ["head", head],
  ["date", date],
  ["sha256sum", sha256sum],
  ["mkdir", mkdir],
  ["mv", mv],
]);

/** Where the programs live on a Debian node; `/usr/bin/find` and `find` are the same program. */
const PROGRAM_DIRECTORIES = ["/usr/bin/", "/bin/", "/usr/local/bin/"];

/** The program a command word names (bare or by its usual absolute path), or undefined. */
export function lookUpProgram(word: string): { name: string; program: Program } | undefined {
  const directory = PROGRAM_DIRECTORIES.find((d) => word.startsWith(d));
  const name = directory === undefined ? word : word.slice(directory.length);
  const program = PROGRAMS.get(name);
  return program === undefined ? undefined : { name, program };
}
