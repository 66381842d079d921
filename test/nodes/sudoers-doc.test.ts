/**
 * The sudoers file the README gives for SSH node access is one sudo accepts (`visudo -c`), and it grants exactly the
 * programs cni-doctor's command templates run, by the paths sudo resolves them to.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { skipWithout } from "../support/real-parts.ts";

const README = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
const SUDOERS = /```sudoers\n([\s\S]*?)```/.exec(README)?.[1] ?? "";
const visudoMissing = (() => {
  try {
    execFileSync("visudo", ["-V"], { stdio: "ignore" });
    return undefined;
  } catch {
    return "visudo is not installed (test/support/provision-ssh-host.sh installs sudo)";
  }
})();

describe("the README's sudoers file", () => {
  it("is the one docs/deploy.md gives, for the user manifests/config/nodes.yaml connects as", () => {
    const deploy = readFileSync(new URL("../../docs/deploy.md", import.meta.url), "utf8");
    expect(/```sudoers\n([\s\S]*?)```/.exec(deploy)?.[1]).toBe(SUDOERS);
    const nodes = readFileSync(new URL("../../manifests/config/nodes.yaml", import.meta.url), "utf8");
    const user = /^\s+user: (\S+)$/m.exec(nodes)?.[1];
    expect(user).toBeDefined();
    expect(SUDOERS).toContain(`\n${user} ALL=(root) NOPASSWD:`);
    expect(SUDOERS).toContain(`Defaults:${user} !requiretty`);
    expect(deploy).toContain(`useradd --system --create-home --shell /bin/bash ${user}`);
  });

  it("names exactly the six programs, find/head/date/sha256sum to look and mkdir/mv to change", () => {
    expect(SUDOERS).not.toBe("");
    const programs = [...SUDOERS.matchAll(/\/usr\/bin\/(\w+)/g)].map((m) => m[1]).sort();
    expect(programs).toEqual(["date", "find", "head", "mkdir", "mv", "sha256sum"]);
    expect(SUDOERS).not.toMatch(/NOPASSWD:\s*ALL/);
  });

  it.skipIf(skipWithout("visudo", visudoMissing))("is accepted by visudo -c", () => {
    const dir = mkdtempSync(join(tmpdir(), "cni-doctor-sudoers-"));
    try {
      const file = join(dir, "cni-doctor");
      writeFileSync(file, SUDOERS, { mode: 0o440 });
      const out = execFileSync("visudo", ["-c", "-f", file], { encoding: "utf8" });
      expect(out).toMatch(/parsed OK/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
