import { createHmac, randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm, stat, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  type HostKeyPolicy,
  type KnownHosts,
  knownHostsName,
  parseKnownHosts,
  preferredHostKeyAlgorithms,
  sha256Fingerprint,
  verifyHostKey,
} from "../../src/nodes/host-keys.ts";
import { KnownHostsCache } from "../../src/nodes/known-hosts-file.ts";

/** A syntactically valid SSH key blob of `type` (the verifier only compares blobs; it never parses key material). */
function fakeKey(type: string, seed: string): Buffer {
  const name = Buffer.from(type);
  const body = Buffer.from(seed.padEnd(32, "x"));
  const len = (b: Buffer) => {
    const l = Buffer.alloc(4);
    l.writeUInt32BE(b.length);
    return l;
  };
  return Buffer.concat([len(name), name, len(body), body]);
}
const b64 = (key: Buffer) => key.toString("base64");

function hashedHost(name: string, salt = randomBytes(20)): string {
  return `|1|${salt.toString("base64")}|${createHmac("sha1", salt).update(name).digest("base64")}`;
}

const ED = fakeKey("ssh-ed25519", "node-a");
const ED_OTHER = fakeKey("ssh-ed25519", "impostor");
const ECDSA = fakeKey("ecdsa-sha2-nistp256", "node-a-ecdsa");
const RSA = fakeKey("ssh-rsa", "node-a-rsa");

function policy(text: string): HostKeyPolicy {
  return { kind: "known-hosts", knownHosts: parseKnownHosts(text, "/tmp/known_hosts") };
}
const subject = (host: string, port = 22) => ({ host, port, nodeName: "k8s-worker1", role: "node" as const });

describe("known_hosts parsing", () => {
  it("reads plain, bracketed, comma-listed, hashed, revoked entries; skips CA lines and junk with notes", () => {
    const parsed = parseKnownHosts(
      [
        "# comment",
        "",
        `10.0.0.11,k8s-worker1 ssh-ed25519 ${b64(ED)} root@k8s-worker1`,
        `[10.0.0.12]:2222 ssh-ed25519 ${b64(ED)}`,
        `${hashedHost("10.0.0.13")} ecdsa-sha2-nistp256 ${b64(ECDSA)}`,
        `@revoked * ssh-ed25519 ${b64(ED_OTHER)}`,
        `@cert-authority *.example.com ssh-ed25519 ${b64(ED)}`,
        "not-enough-fields ssh-ed25519",
        `host ssh-rsa ${b64(ED)}`,
        `|1|bad|hash ssh-ed25519 ${b64(ED)}`,
      ].join("\n"),
      "/tmp/known_hosts",
    );
    expect(parsed.entries.map((e) => [e.line, e.keyType, e.revoked, e.hosts.kind])).toEqual([
      [3, "ssh-ed25519", false, "patterns"],
      [4, "ssh-ed25519", false, "patterns"],
      [5, "ecdsa-sha2-nistp256", false, "hashed"],
      [6, "ssh-ed25519", true, "patterns"],
    ]);
    expect(parsed.notes).toHaveLength(4);
    expect(parsed.notes[0]).toMatch(/known_hosts:7: @cert-authority line skipped/);
    expect(parsed.notes.slice(1).join("\n")).toMatch(/:8:[\s\S]*:9:[\s\S]*:10:/);
  });

  it("names endpoints as OpenSSH does", () => {
    expect(knownHostsName("K8S-Worker1", 22)).toBe("k8s-worker1");
    expect(knownHostsName("10.0.0.1", 2222)).toBe("[10.0.0.1]:2222");
  });
});

describe("host key verification", () => {
  it("accepts a listed key by name, in a comma list, by [host]:port and by a hashed entry", () => {
    const p = policy(
      [
        `10.0.0.11,k8s-worker1 ssh-ed25519 ${b64(ED)}`,
        `[10.0.0.12]:2222 ssh-ed25519 ${b64(ED)}`,
        `${hashedHost("[10.0.0.13]:2200")} ssh-ed25519 ${b64(ED)}`,
        `${hashedHost("10.0.0.14")} ssh-ed25519 ${b64(ED)}`,
      ].join("\n"),
    );
    expect(verifyHostKey(p, subject("10.0.0.11"), ED).ok).toBe(true);
    expect(verifyHostKey(p, subject("K8S-WORKER1"), ED).ok).toBe(true);
    expect(verifyHostKey(p, subject("10.0.0.12", 2222), ED).ok).toBe(true);
    expect(verifyHostKey(p, subject("10.0.0.13", 2200), ED).ok).toBe(true);
    expect(verifyHostKey(p, subject("10.0.0.14"), ED).ok).toBe(true);
    // Port matters: an entry for port 22 does not vouch for 2222, and vice versa.
    expect(verifyHostKey(p, subject("10.0.0.11", 2222), ED).ok).toBe(false);
    expect(verifyHostKey(p, subject("10.0.0.12"), ED).ok).toBe(false);
  });

  it("supports wildcards and negation", () => {
    const p = policy(`10.0.0.*,!10.0.0.66 ssh-ed25519 ${b64(ED)}`);
    expect(verifyHostKey(p, subject("10.0.0.7"), ED).ok).toBe(true);
    expect(verifyHostKey(p, subject("10.0.0.66"), ED).ok).toBe(false);
    expect(verifyHostKey(p, subject("10.0.1.7"), ED).ok).toBe(false);
  });

  it("refuses an unknown host with its fingerprint and how to add it", () => {
    const verdict = verifyHostKey(policy(`other ssh-ed25519 ${b64(ED)}`), subject("10.0.0.9", 2222), ED);
    expect(verdict.ok).toBe(false);
    if (verdict.ok) return;
    expect(verdict.error.kind).toBe("host-key-unknown");
    expect(verdict.error.node).toBe("k8s-worker1");
    expect(verdict.error.message).toMatch(/^node k8s-worker1: unknown host key for \[10\.0\.0\.9\]:2222:/);
    expect(verdict.error.message).toContain(sha256Fingerprint(ED));
    expect(verdict.error.message).toContain("ssh-keyscan -p 2222 10.0.0.9 >> /tmp/known_hosts");
    expect(verdict.error.message).toContain("out of band");
  });

  it("refuses a changed key, saying CHANGED with both fingerprints", () => {
    const verdict = verifyHostKey(policy(`10.0.0.11 ssh-ed25519 ${b64(ED)}`), subject("10.0.0.11"), ED_OTHER);
    expect(verdict.ok).toBe(false);
    if (verdict.ok) return;
    expect(verdict.error.kind).toBe("host-key-changed");
    expect(verdict.error.message).toMatch(/HOST KEY CHANGED.*man-in-the-middle/);
    expect(verdict.error.message).toContain(sha256Fingerprint(ED));
    expect(verdict.error.message).toContain(sha256Fingerprint(ED_OTHER));
    expect(verdict.error.message).toContain("line 1");
  });

  it("treats a key of another type than the recorded ones as unknown, and says which types are known", () => {
    const verdict = verifyHostKey(policy(`10.0.0.11 ssh-ed25519 ${b64(ED)}`), subject("10.0.0.11"), ECDSA);
    expect(verdict.ok).toBe(false);
    if (verdict.ok) return;
    expect(verdict.error.kind).toBe("host-key-unknown");
    expect(verdict.error.message).toContain("only has ssh-ed25519 keys");
  });

  it("refuses a @revoked key even when it is also listed", () => {
    const p = policy([`@revoked * ssh-ed25519 ${b64(ED)}`, `10.0.0.11 ssh-ed25519 ${b64(ED)}`].join("\n"));
    const verdict = verifyHostKey(p, subject("10.0.0.11"), ED);
    expect(verdict.ok === false && verdict.error.kind).toBe("host-key-revoked");
  });

  it("mentions skipped @cert-authority lines when a host is unknown", () => {
    const verdict = verifyHostKey(
      policy(`@cert-authority * ssh-ed25519 ${b64(ED)}`),
      subject("10.0.0.11"),
      ED,
    );
    expect(verdict.ok === false && verdict.error.message).toContain("@cert-authority lines were skipped");
  });

  it("checks pinned fingerprints", () => {
    const pinned: HostKeyPolicy = { kind: "pinned", fingerprints: [sha256Fingerprint(ED)] };
    expect(verifyHostKey(pinned, subject("10.0.0.11"), ED).ok).toBe(true);
    const verdict = verifyHostKey(pinned, subject("10.0.0.11"), ED_OTHER);
    expect(verdict.ok === false && verdict.error.kind).toBe("host-key-changed");
  });

  it("fingerprints like ssh-keygen: SHA256 and unpadded base64", () => {
    expect(sha256Fingerprint(ED)).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
  });

  it("asks for the known key types first", () => {
    const p = policy(`10.0.0.11 ssh-rsa ${b64(RSA)}\n10.0.0.11 ecdsa-sha2-nistp256 ${b64(ECDSA)}`);
    expect(preferredHostKeyAlgorithms(p, "10.0.0.11", 22).slice(0, 4)).toEqual([
      "rsa-sha2-512",
      "rsa-sha2-256",
      "ssh-rsa",
      "ecdsa-sha2-nistp256",
    ]);
    expect(preferredHostKeyAlgorithms(p, "10.0.0.99", 22)[0]).toBe("ssh-ed25519");
  });
});

describe("known_hosts cache (read once per change, not per connection)", () => {
  /** Node's fs with the calls counted; `now` runs 10 s ahead so a file just written is not "racy". */
  function counted(aheadNs = 10_000_000_000n) {
    const calls = { stat: 0, read: 0 };
    const cache = new KnownHostsCache({
      io: {
        stat: async (p) => {
          calls.stat++;
          return stat(p, { bigint: true });
        },
        readFile: async (p) => {
          calls.read++;
          return readFile(p, "utf8");
        },
      },
      nowNs: () => BigInt(Date.now()) * 1_000_000n + aheadNs,
    });
    return { cache, calls };
  }
  const verdict = (kh: KnownHosts, key: Buffer) =>
    verifyHostKey({ kind: "known-hosts", knownHosts: kh }, subject("10.0.0.1"), key);

  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });
  async function tempFile(text: string): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), "known-hosts-cache-"));
    dirs.push(dir);
    const path = join(dir, "known_hosts");
    await writeFile(path, text);
    return path;
  }

  it("a second connection to an unchanged file does not read it again", async () => {
    const path = await tempFile(`10.0.0.1 ssh-ed25519 ${b64(ED)}\n`);
    const { cache, calls } = counted();
    const first = await cache.load(path);
    const second = await cache.load(path);
    expect(calls).toEqual({ stat: 2, read: 1 });
    // What `npm run bench` reports per fan-out: the cache's own count agrees with the file system's.
    expect(cache.counts).toEqual({ loads: 2, reads: 1 });
    expect(second).toBe(first);
    expect(verdict(second, ED).ok).toBe(true);
  });

  it("a changed key (new mtime) is read again and the old key is refused", async () => {
    const path = await tempFile(`10.0.0.1 ssh-ed25519 ${b64(ED)}\n`);
    const { cache, calls } = counted();
    expect(verdict(await cache.load(path), ED).ok).toBe(true);
    // Same size, so only the timestamps tell the files apart.
    await writeFile(path, `10.0.0.1 ssh-ed25519 ${b64(ED_OTHER)}\n`);
    await utimes(path, new Date(Date.now() + 5000), new Date(Date.now() + 5000));
    const after = await cache.load(path);
    expect(calls.read).toBe(2);
    expect(verdict(after, ED_OTHER).ok).toBe(true);
    const old = verdict(after, ED);
    expect(old.ok).toBe(false);
    if (!old.ok) expect(old.error.kind).toBe("host-key-changed");
  });

  it("a key marked @revoked is refused from the next connection, even if the old mtime is put back", async () => {
    const path = await tempFile(`10.0.0.1 ssh-ed25519 ${b64(ED)}\n`);
    const before = await stat(path);
    const { cache, calls } = counted();
    expect(verdict(await cache.load(path), ED).ok).toBe(true);
    await writeFile(path, `@revoked 10.0.0.1 ssh-ed25519 ${b64(ED)}\n`);
    // utimes can restore mtime but not ctime, and the size changed too: the cache must still notice.
    await utimes(path, before.atime, before.mtime);
    const after = verdict(await cache.load(path), ED);
    expect(calls.read).toBe(2);
    expect(after.ok).toBe(false);
    if (!after.ok) expect(after.error.kind).toBe("host-key-revoked");
  });

  it("a file written within the racy margin is parsed each time, never cached", async () => {
    const path = await tempFile(`10.0.0.1 ssh-ed25519 ${b64(ED)}\n`);
    const { cache, calls } = counted(0n);
    await cache.load(path);
    await cache.load(path);
    expect(calls.read).toBe(2);
    expect(cache.size).toBe(0);
  });

  it("a file that disappears is an error, and the cached copy is forgotten", async () => {
    const path = await tempFile(`10.0.0.1 ssh-ed25519 ${b64(ED)}\n`);
    const { cache } = counted();
    await cache.load(path);
    expect(cache.size).toBe(1);
    await rm(path);
    await expect(cache.load(path)).rejects.toMatchObject({ code: "ENOENT" });
    expect(cache.size).toBe(0);
  });
});
