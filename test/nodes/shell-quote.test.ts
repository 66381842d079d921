import { execFileSync } from "node:child_process";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { validateAbsolutePath } from "../../src/nodes/commands.ts";
import { NodeAccessError } from "../../src/nodes/errors.ts";
import { shellJoin, shellQuote } from "../../src/nodes/shell-quote.ts";

/** sshd runs the command with the user's login shell: check the POSIX sh and bash. */
const SHELLS = ["sh", "bash"];

/** What a shell makes of a command line: the words it passes to the program, identical across SHELLS. */
function wordsAfterShell(commandLine: string): string[] {
  const results = SHELLS.map((shell) => {
    // printf is a builtin: its arguments are exactly the words the shell produced from our quoted line.
    const out = execFileSync(shell, ["-c", `printf '%s\\0' ${commandLine}`], { encoding: "utf8" });
    return out.split("\0").slice(0, -1);
  });
  expect(results[1]).toEqual(results[0]);
  return results[0] ?? [];
}

/** Strings heavy in characters a shell cares about, plus arbitrary Unicode (including lone surrogates). */
const nastyString = fc.oneof(
  fc.string({ unit: fc.constantFrom(..."'\"\\$`!*?[]{}~#;&|<>()= \t\n\r/.-_aZ0%@:,+\u00e9\u4e2d") }),
  fc.string({ unit: "binary" }),
  fc.string({ unit: "grapheme" }),
);

/** Absolute-looking candidates, many made of several segments so that plenty pass validation. */
const candidatePath = fc.oneof(
  nastyString.map((tail) => `/${tail}`),
  fc.array(nastyString, { minLength: 1, maxLength: 4 }).map((segments) => `/${segments.join("/")}`),
  nastyString,
);

describe("shellQuote", () => {
  it("leaves plain words bare and quotes the rest", () => {
    expect(shellQuote("/etc/cni/net.d")).toBe("/etc/cni/net.d");
    expect(shellQuote("-mindepth")).toBe("-mindepth");
    expect(shellQuote("")).toBe("''");
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
    expect(shellQuote("%f\\t%s\\n")).toBe("'%f\\t%s\\n'");
    expect(shellQuote("$(reboot)")).toBe("'$(reboot)'");
    expect(shellQuote("~root")).toBe("'~root'");
  });

  it("refuses NUL, which no command line can carry", () => {
    expect(() => shellQuote("a\0b")).toThrow(/NUL/);
  });

  it("property: any string used as a path either is rejected by validation or survives a real sh unchanged", () => {
    fc.assert(
      fc.property(candidatePath, (candidate) => {
        let path: string;
        try {
          path = validateAbsolutePath(candidate);
        } catch (err) {
          expect(err).toBeInstanceOf(NodeAccessError);
          return;
        }
        expect(wordsAfterShell(shellQuote(path))).toEqual([path]);
      }),
      { numRuns: 300 },
    );
  });

  it("property: any argv without NUL round-trips through shellJoin and sh -c", () => {
    const word = nastyString.filter((s) => !s.includes("\0") && s.isWellFormed());
    fc.assert(
      fc.property(fc.array(word, { minLength: 1, maxLength: 5 }), (argv) => {
        expect(wordsAfterShell(shellJoin(argv))).toEqual(argv);
      }),
      { numRuns: 200 },
    );
  });
});
