import { describe, expect, it } from "vitest";
import {
  type CommandResult,
  checksumFiles,
  LIST_DIR_FORMAT,
  listDirectory,
  makeBackupDirectory,
  moveIntoDirectory,
  parseDirectoryListing,
  readFileBounded,
  readNodeClock,
  renderCommandLine,
  sudoRefusal,
  validatePathWithin,
} from "../../src/nodes/commands.ts";

const CONF = "/etc/cni/net.d";
const ctx = { node: "k8s-worker1", commandLine: "(test)" };

function result(partial: Partial<CommandResult>): CommandResult {
  return {
    stdout: Buffer.alloc(0),
    stderr: Buffer.alloc(0),
    stdoutTruncated: false,
    stderrTruncated: false,
    exitCode: 0,
    signal: null,
    startedAtMs: 1000,
    finishedAtMs: 1010,
    ...partial,
  };
}

describe("command templates render to the exact documented command lines", () => {
  it("list, read, clock, checksum, backup dir, move aside and restore", () => {
    const r = (t: Parameters<typeof renderCommandLine>[0], sudo = false) => renderCommandLine(t, { sudo });
    expect(r(listDirectory(CONF, { within: [CONF] }))).toBe(
      "find /etc/cni/net.d -mindepth 1 -maxdepth 1 -printf '%f\\0%s\\0%T@\\0%u\\0%g\\0%m\\0%y\\0'",
    );
    expect(r(readFileBounded(`${CONF}/calico-kubeconfig`, { within: [CONF], maxBytes: 65536 }))).toBe(
      "head -c 65537 -- /etc/cni/net.d/calico-kubeconfig",
    );
    expect(r(readNodeClock())).toBe("date +%s.%N");
    expect(r(checksumFiles([`${CONF}/a b`, `${CONF}/it's`], { within: [CONF] }))).toBe(
      `sha256sum -- '/etc/cni/net.d/a b' '/etc/cni/net.d/it'\\''s'`,
    );
    const backup = "/var/lib/cni-doctor/backup/run-1";
    const roots = [CONF, "/var/lib/cni-doctor/backup"];
    expect(r(makeBackupDirectory(backup, { within: roots }), true)).toBe(
      "sudo -n -- mkdir -p -m 0700 -- /var/lib/cni-doctor/backup/run-1",
    );
    expect(r(moveIntoDirectory([`${CONF}/10-flannel.conflist`], backup, { within: roots }), true)).toBe(
      "sudo -n -- mv -n -t /var/lib/cni-doctor/backup/run-1 -- /etc/cni/net.d/10-flannel.conflist",
    );
    expect(r(moveIntoDirectory([`${backup}/10-flannel.conflist`], CONF, { within: roots }))).toBe(
      "mv -n -t /etc/cni/net.d -- /var/lib/cni-doctor/backup/run-1/10-flannel.conflist",
    );
  });
});

describe("argument validation", () => {
  it.each([
    ["relative", "etc/cni"],
    ["dot-dot escape", "/etc/cni/net.d/../../shadow"],
    ["double slash", "/etc/cni//net.d"],
    ["trailing slash", "/etc/cni/net.d/"],
    ["newline", "/etc/cni/net.d/a\nb"],
    ["NUL", "/etc/cni/net.d/a\0b"],
    ["lone surrogate", "/etc/cni/net.d/\ud800"],
    ["too long", `/${"a".repeat(5000)}`],
    ["outside the root", "/etc/passwd"],
    ["the root itself, where a file is needed", CONF],
    ["a sibling sharing a prefix", "/etc/cni/net.d-evil/x"],
  ])("rejects a %s path", (_, path) => {
    expect(() => validatePathWithin(path, [CONF], "file", false)).toThrow(/rejected: .*Nothing was sent/);
  });

  it("accepts paths inside a root, and the root itself where allowed", () => {
    expect(validatePathWithin(`${CONF}/10-calico.conflist`, [CONF], "file", false)).toBe(
      `${CONF}/10-calico.conflist`,
    );
    expect(validatePathWithin(CONF, [CONF], "dir", true)).toBe(CONF);
  });

  it("rejects reads without a sane bound, and moves that go nowhere", () => {
    expect(() => readFileBounded(`${CONF}/x`, { within: [CONF], maxBytes: 0 })).toThrow(/read limit/);
    expect(() => readFileBounded(`${CONF}/x`, { within: [CONF], maxBytes: 10 ** 9 })).toThrow(/read limit/);
    expect(() => moveIntoDirectory([`${CONF}/x`], CONF, { within: [CONF] })).toThrow(/already in/);
    expect(() => moveIntoDirectory([], CONF, { within: [CONF] })).toThrow(/at least one/);
  });
});

describe("interpreting results", () => {
  it("parses a find listing, including names with tabs and newlines", () => {
    const record = (...fields: string[]) => fields.map((f) => `${f}\0`).join("");
    const out =
      record("10-calico.conflist", "664", "1714000000.5000000000", "root", "root", "644", "f") +
      record("weird\tname\nhere", "0", "1714000001", "1000", "1000", "600", "f") +
      record("calico-kubeconfig", "2790", "1713000000.25", "root", "root", "600", "f") +
      record("sub", "4096", "1713000000.0", "root", "root", "755", "d");
    expect(parseDirectoryListing(out)).toEqual([
      {
        name: "10-calico.conflist",
        sizeBytes: 664,
        mtimeMs: 1714000000500,
        owner: "root",
        group: "root",
        mode: 0o644,
        type: "file",
      },
      {
        name: "calico-kubeconfig",
        sizeBytes: 2790,
        mtimeMs: 1713000000250,
        owner: "root",
        group: "root",
        mode: 0o600,
        type: "file",
      },
      {
        name: "sub",
        sizeBytes: 4096,
        mtimeMs: 1713000000000,
        owner: "root",
        group: "root",
        mode: 0o755,
        type: "directory",
      },
      {
        name: "weird\tname\nhere",
        sizeBytes: 0,
        mtimeMs: 1714000001000,
        owner: "1000",
        group: "1000",
        mode: 0o600,
        type: "file",
      },
    ]);
    expect(parseDirectoryListing("garbage without tabs\n")).toEqual({ unparsedFrom: 0 });
  });

  it("lists with NUL-terminated fields, so a name holding a forged tab-and-newline record stays one entry", () => {
    // Under the old newline-separated format this name read as two entries, the second a phantom
    // 05-cilium.conflist that sorts before (and so "shadows") Calico's config.
    const forged = "x\t0\t1714000000\troot\troot\t644\tf\n05-cilium.conflist";
    const record = (...fields: string[]) => fields.map((f) => `${f}\0`).join("");
    const out =
      record(forged, "0", "1714000000.0", "root", "root", "644", "f") +
      record("10-calico.conflist", "664", "1714000000.0", "root", "root", "644", "f");
    const parsed = parseDirectoryListing(out);
    expect(Array.isArray(parsed) && parsed.map((e) => e.name)).toEqual(["10-calico.conflist", forged]);
    expect(LIST_DIR_FORMAT).toContain("\\0");
    expect(LIST_DIR_FORMAT).not.toContain("\\n");
    expect(parseDirectoryListing(record("a", "1", "2", "root"))).toEqual({ unparsedFrom: 0 });
  });

  it("reports a missing directory and file as missing, other failures as errors with stderr", () => {
    const list = listDirectory(CONF, { within: [CONF] });
    const missing = result({
      exitCode: 1,
      stderr: Buffer.from("find: '/etc/cni/net.d': No such file or directory\n"),
    });
    expect(list.interpret(missing, ctx)).toEqual({ status: "missing", directory: CONF });
    const denied = result({
      exitCode: 1,
      stderr: Buffer.from("find: '/etc/cni/net.d': Permission denied\n"),
    });
    expect(() => list.interpret(denied, ctx)).toThrow(
      /node k8s-worker1: .*exited 1: find: .*Permission denied.*sudo: true/,
    );

    const read = readFileBounded(`${CONF}/calico-kubeconfig`, { within: [CONF], maxBytes: 4 });
    expect(read.interpret(result({ stdout: Buffer.from("abcde") }), ctx)).toMatchObject({
      status: "ok",
      truncated: true,
    });
    expect(read.interpret(result({ stdout: Buffer.from("abcd") }), ctx)).toMatchObject({
      status: "ok",
      truncated: false,
    });
  });

  it("parses sha256sum output, escaped names and missing files", () => {
    const files = [`${CONF}/a`, `${CONF}/b\\c`, `${CONF}/gone`];
    const template = checksumFiles(files, { within: [CONF] });
    const a = "a".repeat(64);
    const b = "b".repeat(64);
    const out = result({
      exitCode: 1,
      stdout: Buffer.from(`${a}  ${CONF}/a\n\\${b}  ${CONF}/b\\\\c\n`),
      stderr: Buffer.from(`sha256sum: ${CONF}/gone: No such file or directory\n`),
    });
    expect(template.interpret(out, ctx)).toEqual([
      { path: `${CONF}/a`, status: "ok", sha256: a },
      { path: `${CONF}/b\\c`, status: "ok", sha256: b },
      { path: `${CONF}/gone`, status: "missing" },
    ]);
  });

  it("reads the node clock with an honest bound", () => {
    const clock = readNodeClock().interpret(result({ stdout: Buffer.from("1714000000.123456789\n") }), ctx);
    expect(clock.nodeEpochMs).toBeCloseTo(1714000000123.4568, 3);
    expect(clock.uncertaintyMs).toBe(5);
    expect(clock.offsetMs).toBeCloseTo(1714000000123.4568 - 1005, 3);
  });

  it("recognises sudo's refusals", () => {
    const pw = result({ exitCode: 1, stderr: Buffer.from("sudo: a password is required\n") });
    expect(sudoRefusal(pw, ctx)?.kind).toBe("sudo-needs-password");
    const notAllowed = result({
      exitCode: 1,
      stderr: Buffer.from(
        "Sorry, user x is not allowed to execute '/usr/bin/find' as root.\nsudo: x is not in the sudoers file\n",
      ),
    });
    expect(sudoRefusal(notAllowed, ctx)?.kind).toBe("sudo-not-allowed");
    expect(sudoRefusal(result({ exitCode: 1 }), ctx)).toBeUndefined();
  });
});
