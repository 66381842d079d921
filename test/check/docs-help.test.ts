/** The README's command table and the commands' options (what `--help` prints) agree on the flags documented. */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { commands } from "../../src/cli/commands/index.ts";

const README = readFileSync(new URL("../../README.md", import.meta.url), "utf8");

/** `| \`cni-doctor NAME …\` |` rows: the command's name and the --flags its usage cell shows. */
function documentedUsages(): Array<{ names: string[]; flags: string[] }> {
  const table = README.slice(
    README.indexOf("\n## Commands\n"),
    README.indexOf("\n## ", README.indexOf("\n## Commands\n") + 5),
  );
  return table
    .split("\n")
    .filter((line) => line.startsWith("| `cni-doctor "))
    .map((line) => {
      const cell = line.split(" | ")[0] ?? "";
      const names = [...cell.matchAll(/`cni-doctor ([a-z]+)/g)].map((m) => m[1] as string);
      const flags = [...new Set([...cell.matchAll(/--([a-z][a-z-]*)/g)].map((m) => m[1] as string))];
      return { names, flags };
    });
}

describe("README command table and --help", () => {
  const usages = documentedUsages();
  it("documents every command", () => {
    const documented = usages.flatMap((u) => u.names);
    for (const c of commands) expect(documented, c.name).toContain(c.name);
  });
  for (const usage of usages) {
    for (const name of usage.names) {
      it(`${name}: every flag the README shows is an option of the command`, () => {
        const command = commands.find((c) => c.name === name);
        expect(command, name).toBeDefined();
        for (const flag of usage.flags)
          expect(Object.keys(command?.options ?? {}), `${name} --${flag}`).toContain(flag);
      });
    }
  }
  it("check: the README shows exactly its options", () => {
    const usage = usages.find((u) => u.names.includes("check"));
    const command = commands.find((c) => c.name === "check");
    expect([...(usage?.flags ?? [])].sort()).toEqual(Object.keys(command?.options ?? {}).sort());
  });
});
