/**
 * The simulated node's command interpreter, without SSH: command-line parsing (against the product's own quoting),
 * and the simulated programs compared byte for byte with the real GNU coreutils/findutils on this machine, run by
 * `sh -c` in the C locale on identical directory trees.
 */
import { execFileSync, spawnSync } from "node:child_process";
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { shellJoin } from "../../src/nodes/index.ts";
import { interpretCommandLine, runCommand } from "../../src/sim/ssh/interpreter.ts";
import { parseCommandLine } from "../../src/sim/ssh/shell-words.ts";
import { skipWithout } from "../support/real-parts.ts";

describe("command-line parsing", () => {
  it("recovers any argv the product quotes", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.string({ unit: "grapheme", maxLength: 20 }).filter((s) => !s.includes("\0")),
          { minLength: 1, maxLength: 6 },
        ),
        (argv) => {
          expect(parseCommandLine(shellJoin(argv))).toEqual({ ok: true, argv });
        },
      ),
    );
  });

  it("handles double quotes and backslashes as sh does", () => {
    expect(parseCommandLine(`a "b c" "d\\"e" "f\\g" h\\ i 'j'"k"l ''`)).toEqual({
      ok: true,
      argv: ["a", "b c", 'd"e', "f\\g", "h i", "jkl", ""],
    });
  });

  it.each([
    ["ls; rm -rf /", ";"],
    ["cat x | sh", "|"],
    ["true && reboot", "&"],
    ["head -c 1 -- /etc/shadow > /tmp/x", ">"],
    ["cat < /etc/shadow", "<"],
    ["echo $HOME", "$"],
    ['echo "$(id)"', "$"],
    ["echo `id`", "`"],
    ["ls *", "*"],
    ["ls ~root", "~"],
    ["FOO=bar date", "="],
    ["date\nreboot", "\n"],
  ])("refuses unquoted shell syntax: %j", (line, character) => {
    const parsed = parseCommandLine(line);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) {
      expect(parsed.exitCode).toBe(2);
      expect(parsed.stderr).toContain(JSON.stringify(character));
    }
  });

  it("reports an unterminated quote with dash's words", () => {
    expect(parseCommandLine("echo 'abc")).toEqual({
      ok: false,
      stderr: "sh: 1: Syntax error: Unterminated quoted string\n",
      exitCode: 2,
    });
  });
});

/** The real tools, run as a shell would on the node, with the tree as the working directory. */
function runReal(cwd: string, line: string) {
  const result = spawnSync("sh", ["-c", line], {
    cwd,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", LC_ALL: "C" },
  });
  return {
    stdout: result.stdout.toString("utf8"),
    stderr: result.stderr.toString("utf8"),
    exitCode: result.status,
  };
}

/** The simulator, with the tree as the node root: relative paths resolve against `/`, i.e. the same files. */
async function runSimulated(root: string, line: string) {
  const command = interpretCommandLine(line, "nopasswd");
  // The real tools run as whoever runs the tests; compare against the simulator's root (sudo) view.
  const outcome =
    command.kind === "finished"
      ? command
      : await runCommand(
          { ...command, asRoot: true },
          { hostRoot: root, nowNs: () => 0n, signal: new AbortController().signal },
        );
  return {
    stdout: outcome.stdout.toString("utf8"),
    stderr: outcome.stderr.toString("utf8"),
    exitCode: outcome.exitCode,
  };
}

/** Names, types, permission bits and contents of every entry under `dir` (not times). */
function snapshot(dir: string, prefix = ""): string[] {
  const lines: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    const stat = statSync(path, { throwIfNoEntry: false });
    const kind = stat === undefined ? "dangling" : stat.isDirectory() ? "d" : "f";
    lines.push(`${prefix}${name} ${kind} ${stat === undefined ? "" : (stat.mode & 0o7777).toString(8)}`);
    if (kind === "d") lines.push(...snapshot(path, `${prefix}${name}/`));
    else if (kind === "f") lines.push(`  ${readFileSync(path, "utf8")}`);
  }
  return lines;
}

function makeTree(root: string): void {
  mkdirSync(join(root, "etc/cni/net.d"), { recursive: true });
  writeFileSync(join(root, "etc/cni/net.d/10-calico.conflist"), '{"name":"k8s-pod-network"}\n');
  writeFileSync(join(root, "etc/cni/net.d/calico-kubeconfig"), "line one\nline two\nline three\nno newline", {
    mode: 0o600,
  });
  writeFileSync(join(root, "file1"), "first file\n");
  writeFileSync(join(root, "file2"), "second\n");
  writeFileSync(join(root, "back\\slash"), "odd name\n");
  mkdirSync(join(root, "dir/sub"), { recursive: true });
  writeFileSync(join(root, "dir/file1"), "already here\n");
  symlinkSync("file2", join(root, "link-to-file2"));
}

const haveGnuTools = (() => {
  try {
    return (
      /GNU/.test(execFileSync("find", ["--version"], { encoding: "utf8" })) &&
      /GNU coreutils/.test(execFileSync("mv", ["--version"], { encoding: "utf8" }))
    );
  } catch {
    return false;
  }
})();

describe.skipIf(
  skipWithout("GNU coreutils/findutils", haveGnuTools ? undefined : "GNU find or mv not found"),
)(
  `simulated programs match GNU coreutils/findutils${haveGnuTools ? "" : " (skipped: GNU find/coreutils not found)"}`,
  () => {
    let work: string;
    let tree: string;

    beforeAll(() => {
      work = mkdtempSync(join(tmpdir(), "cni-doctor-sim-gnu-"));
      tree = join(work, "tree");
      makeTree(tree);
    });
    afterAll(() => {
      if (work) rmSync(work, { recursive: true, force: true });
    });

    it.each([
      "find etc/cni/net.d -mindepth 1 -maxdepth 1 -printf '%f\\t%s\\t%T@\\t%m\\t%y\\n'",
      "find . -printf '%p|%P|%h|%f|%d|%y|%m|%M|%s\\n'",
      "find dir link-to-file2 -print",
      "find nope -mindepth 1 -maxdepth 1 -printf '%f\\n'",
      "find file1 -mindepth 1 -maxdepth 1",
      "find etc -maxdepth 0 -printf '%%|\\101\\n'",
      "find etc -bogus",
      "find etc -maxdepth",
      "find etc -maxdepth x",
      "find etc -maxdepth 0 -printf '%Q%%\\n'",
      "find etc foo -maxdepth 0",
      "head -c 5 -- etc/cni/net.d/10-calico.conflist",
      "head -c 100000 -- etc/cni/net.d/calico-kubeconfig",
      "head -c -3 -- file1",
      "head -n 2 -- etc/cni/net.d/calico-kubeconfig",
      "head -n -1 -- etc/cni/net.d/calico-kubeconfig",
      "head -c 4 -- file1 file2",
      "head -c 5 -- nope",
      "head -c 5 -- etc",
      "head -c x -- file1",
      "head -c 3 -- link-to-file2",
      "head -c 3 -- file1/x",
      "sha256sum -- file1 nope etc 'back\\slash' link-to-file2",
      "sha256sum -b -- file2",
      "date -x",
      "date a b",
      "date tomorrow",
      "nope --help",
      "mkdir",
      "mv -n -- file1",
    ])("read-only: %s", async (line) => {
      expect(await runSimulated(tree, line)).toEqual(runReal(tree, line));
    });

    it.each([
      "mkdir -p -m 0700 -- x/y/z",
      "mkdir -p -m 0700 -- dir",
      "mkdir -p -m 0700 -- file1",
      "mkdir -p -- file1/c/d",
      "mkdir -- file1/c",
      "mkdir -- nodir/x",
      "mkdir -m 0700 -- dir",
      "mkdir -m 0750 -- new",
      "mkdir -v -- a b",
      "mv -n -t dir -- file1 file2 nope",
      "mv -t dir -- file1",
      "mv -n -t nope -- file2",
      "mv -n -t file2 -- file1",
      "mv -n -t dir/sub -- dir",
      "mv -n -t dir -- link-to-file2",
      "mv -t dir -- file1/x",
      "mv -n -t dir -- dir/file1",
      "mv -t dir -- dir/file1",
      "mv -- file1 file2 file2",
      "mv -- file1 renamed",
      "mv -- file1 file2 dir",
      "mv -- file1 file2 nope",
      "mv -v -- file2 dir/sub",
      "mv -n -- file2 file1",
    ])("changes the tree as the real tool does: %s", async (line) => {
      const real = join(work, `real-${Math.random().toString(36).slice(2)}`);
      const simulated = join(work, `sim-${Math.random().toString(36).slice(2)}`);
      cpSync(tree, real, { recursive: true, verbatimSymlinks: true });
      cpSync(tree, simulated, { recursive: true, verbatimSymlinks: true });
      const expected = runReal(real, line);
      expect(await runSimulated(simulated, line)).toEqual(expected);
      expect(snapshot(simulated)).toEqual(snapshot(real));
    });
  },
);
