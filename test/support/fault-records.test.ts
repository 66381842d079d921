/**
 * The checks the fault suite rests on, checked themselves: the secret scan finds each kind of secret (and nothing in
 * clean text), the files verdict tells restored, moved and half apart, and the operation counter sees quadratic work.
 */
import { mkdir, mkdtemp, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { CONF, filesVerdict, findSecrets } from "./fault-records.ts";
import { countOperations } from "./operation-count.ts";
import { snapshotTree } from "./sim-harness.ts";

describe("findSecrets", () => {
  const samples: Record<string, string> = {
    "bot token": "xoxb-1111111111-2222222222-abcdefghijklmnopqrstuvwx",
    "user token": "xoxp-1111111111-2222222222-abcdefghijkl",
    "app token": "xapp-1-A0CNIDOCTR-3333333333-0123456789abcdef",
    "PEM key": "-----BEGIN PRIVATE KEY-----\nMIIEvQ...",
    "OpenSSH key": "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjE...",
    "EC key": "-----BEGIN EC PRIVATE KEY-----",
    JWT: "eyJhbGciOiJSUzI1NiIsImtpZCI6IjEifQ.eyJpc3MiOiJrdWJlcm5ldGVzIn0.c2lnbmF0dXJlLXNpZ25hdHVyZQ",
  };
  for (const [name, secret] of Object.entries(samples)) {
    it(`finds a ${name} inside other text`, () => {
      expect(findSecrets(`{"text":"before ${secret} after"}`, [])).not.toEqual([]);
    });
  }

  it("finds a known value (a signing secret has no tell-tale shape) and never echoes it", () => {
    const found = findSecrets('{"x":"8f14e45fceea167a5a36dedd4bea2543"}', [
      "8f14e45fceea167a5a36dedd4bea2543",
    ]);
    expect(found).toHaveLength(1);
    expect(found.join()).not.toContain("8f14e45fceea167a5a36dedd4bea2543");
  });

  it("passes clean text: fingerprints, claims, hashes", () => {
    const text =
      "token sha256:0f1e2d3c4b5a6978 (claims: iss kubernetes/serviceaccount, exp 2026-01-01); xoxb-… redacted; CA 10706822d7b8";
    expect(findSecrets(text, ["a-secret-value-not-present"])).toEqual([]);
  });
});

describe("filesVerdict", () => {
  const roots: string[] = [];
  afterAll(async () => {
    for (const r of roots) await rm(r, { recursive: true, force: true });
  });
  async function node() {
    const root = await mkdtemp(join(tmpdir(), "cni-doctor-verdict-"));
    roots.push(root);
    await mkdir(join(root, CONF), { recursive: true });
    await mkdir(join(root, "backup"), { recursive: true });
    await writeFile(join(root, CONF, "10-calico.conflist"), "old conflist");
    await writeFile(join(root, CONF, "calico-kubeconfig"), "old kubeconfig");
    await writeFile(join(root, CONF, "00-multus.conf"), "multus");
    return { root, before: snapshotTree(join(root, CONF)) };
  }
  const moved = ["10-calico.conflist", "calico-kubeconfig"];

  it("restored, moved (even when the agent rewrote identical bytes), half", async () => {
    const a = await node();
    expect(filesVerdict(a.before, a.root, "/backup", moved)).toEqual({ state: "restored" });
    for (const f of moved) await rename(join(a.root, CONF, f), join(a.root, "backup", f));
    expect(filesVerdict(a.before, a.root, "/backup", moved)).toEqual({ state: "moved" });
    await writeFile(join(a.root, CONF, "10-calico.conflist"), "old conflist");
    expect(filesVerdict(a.before, a.root, "/backup", moved)).toEqual({ state: "moved" });

    const b = await node();
    await rename(join(b.root, CONF, "calico-kubeconfig"), join(b.root, "backup", "calico-kubeconfig"));
    expect(filesVerdict(b.before, b.root, "/backup", moved).state).toBe("half");

    const c = await node();
    await writeFile(join(c.root, CONF, "calico-kubeconfig"), "tampered");
    expect(filesVerdict(c.before, c.root, "/backup", moved).state).toBe("half");
  });
});

describe("countOperations", () => {
  const linear = (s: string) => {
    let n = 0;
    for (let i = 0; i < s.length; i++) n += s.charCodeAt(i);
    return n;
  };
  const quadratic = (s: string) => {
    let n = 0;
    for (let i = 0; i < s.length; i++) for (let j = i; j < s.length; j++) n += s.charCodeAt(j);
    return n;
  };
  it("grows linearly for a linear scan and quadratically for a nested one, and restores the prototypes", () => {
    const charCodeAt = String.prototype.charCodeAt;
    const text = "x".repeat(400);
    expect(countOperations(() => linear(text)).operations).toBe(400);
    expect(countOperations(() => quadratic(text)).operations).toBe((400 * 401) / 2);
    // test() runs exec() underneath: two counted calls for one match.
    expect(countOperations(() => /a+b/.test("aaab")).operations).toBe(2);
    expect(String.prototype.charCodeAt).toBe(charCodeAt);
  });
});
