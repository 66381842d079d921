/**
 * Node access against a real OpenSSH server (see test/support/sshd.ts). Skipped, with the reason, where sshd or the
 * test users are missing; `sudo bash test/support/provision-ssh-host.sh` sets a machine up.
 */
import { execFileSync, spawn } from "node:child_process";
import { chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  checksumFiles,
  listDirectory,
  makeBackupDirectory,
  moveIntoDirectory,
  NodeAccess,
  NodeAccessError,
  parseInventory,
  readFileBounded,
  readNodeClock,
} from "../../src/nodes/index.ts";
import { raw, rejection } from "../support/node-commands.ts";
import { skipWithout } from "../support/real-parts.ts";
import {
  fingerprintOf,
  freePort,
  generateKey,
  type Sshd,
  sshdUnavailableReason,
  startSshd,
  TEST_USER,
  TEST_USER_SUDO_WITH_PASSWORD,
} from "../support/sshd.ts";

const unavailable = sshdUnavailableReason();
const skip = skipWithout("a real OpenSSH sshd", unavailable);

function uidOf(user: string): number {
  return Number(execFileSync("id", ["-u", user], { encoding: "utf8" }).trim());
}

describe.skipIf(skip)(
  `node access over a real OpenSSH server${unavailable ? ` (skipped: ${unavailable})` : ""}`,
  () => {
    let sshd: Sshd;
    let work: string;
    let knownHosts: string;
    /** A CNI conf dir on "the node" (this machine), owned by the test user. */
    let confDir: string;
    const accesses: NodeAccess[] = [];

    beforeAll(async () => {
      sshd = await startSshd({ hostKeyTypes: ["ed25519", "ecdsa"], allowTcpForwarding: true });
      work = mkdtempSync(join(tmpdir(), "cni-doctor-ssh-test-"));
      knownHosts = join(work, "known_hosts");
      writeFileSync(knownHosts, `${sshd.knownHostsLine("ed25519")}\n`);
      confDir = join(sshd.dir, "net.d");
      mkdirSync(confDir);
      writeFileSync(join(confDir, "10-calico.conflist"), '{"name":"k8s-pod-network"}\n');
      writeFileSync(join(confDir, "calico-kubeconfig"), "apiVersion: v1\nkind: Config\n");
      writeFileSync(join(confDir, "secret-root-only"), "only root reads this\n", { mode: 0o600 });
      const uid = uidOf(TEST_USER);
      chownSync(confDir, uid, uid);
      chownSync(join(confDir, "10-calico.conflist"), uid, uid);
      chownSync(join(confDir, "calico-kubeconfig"), uid, uid);
    });

    afterAll(async () => {
      await Promise.all(accesses.map((a) => a.close()));
      await sshd?.stop();
      if (work) rmSync(work, { recursive: true, force: true });
    });

    /** A NodeAccess from a nodes file written into the work dir; `node` settings merged over sane test defaults. */
    function access(node: Record<string, unknown> = {}, defaults: Record<string, unknown> = {}, env = {}) {
      const file = {
        defaults: {
          user: TEST_USER,
          port: sshd.port,
          privateKeyPath: sshd.clientKeyPath,
          knownHostsPath: knownHosts,
          cniConfDir: confDir,
          connectTimeoutMs: 5000,
          commandTimeoutMs: 10_000,
          connectRetries: 0,
          ...defaults,
        },
        nodes: { "k8s-worker1": node },
      };
      const inventory = parseInventory(JSON.stringify(file), join(work, "nodes.yaml"), work);
      const nodeAccess = new NodeAccess(inventory, { env });
      accesses.push(nodeAccess);
      return nodeAccess;
    }

    it("logs in with a key, reuses one connection, and runs the catalogue's read commands", async () => {
      const nodes = access();
      const listing = await nodes.run(
        "k8s-worker1",
        "127.0.0.1",
        listDirectory(confDir, { within: [confDir] }),
      );
      expect(listing.status).toBe("ok");
      if (listing.status !== "ok") return;
      expect(listing.entries.map((e) => e.name)).toEqual([
        "10-calico.conflist",
        "calico-kubeconfig",
        "secret-root-only",
      ]);
      const calico = listing.entries[0];
      expect(calico).toMatchObject({
        type: "file",
        owner: TEST_USER,
        group: TEST_USER,
        mode: 0o644,
        sizeBytes: 27,
      });

      const read = await nodes.run(
        "k8s-worker1",
        "127.0.0.1",
        readFileBounded(join(confDir, "calico-kubeconfig"), { within: [confDir], maxBytes: 1024 }),
      );
      expect(read).toMatchObject({ status: "ok", truncated: false });
      if (read.status === "ok") expect(read.content.toString()).toBe("apiVersion: v1\nkind: Config\n");

      const short = await nodes.run(
        "k8s-worker1",
        "127.0.0.1",
        readFileBounded(join(confDir, "calico-kubeconfig"), { within: [confDir], maxBytes: 10 }),
      );
      expect(short).toMatchObject({ status: "ok", truncated: true });
      if (short.status === "ok") expect(short.content.toString()).toBe("apiVersion");

      const missing = await nodes.run(
        "k8s-worker1",
        "127.0.0.1",
        readFileBounded(join(confDir, "nope"), { within: [confDir], maxBytes: 10 }),
      );
      expect(missing.status).toBe("missing");

      const sums = await nodes.run(
        "k8s-worker1",
        "127.0.0.1",
        checksumFiles([join(confDir, "10-calico.conflist"), join(confDir, "gone")], { within: [confDir] }),
      );
      const expected = execFileSync("sha256sum", [join(confDir, "10-calico.conflist")], {
        encoding: "utf8",
      }).slice(0, 64);
      expect(sums).toEqual([
        { path: join(confDir, "10-calico.conflist"), status: "ok", sha256: expected },
        { path: join(confDir, "gone"), status: "missing" },
      ]);

      const clock = await nodes.run("k8s-worker1", "127.0.0.1", readNodeClock());
      // Same machine: the offset is within the round trip (plus rounding), whatever the round trip took.
      expect(Math.abs(clock.offsetMs)).toBeLessThanOrEqual(clock.uncertaintyMs + 1);

      const missingDir = await nodes.run(
        "k8s-worker1",
        "127.0.0.1",
        listDirectory(join(confDir, "absent"), { within: [confDir] }),
      );
      expect(missingDir.status).toBe("missing");
      expect(nodes.connectionsOpened).toBe(1);
    });

    it("lists a name holding a forged tab-and-newline record as one entry, through GNU find", async () => {
      const nodes = access();
      const forged = "x\t0\t1714000000\troot\troot\t644\tf\n05-cilium.conflist";
      writeFileSync(join(confDir, forged), "{}\n");
      try {
        const listing = await nodes.run(
          "k8s-worker1",
          "127.0.0.1",
          listDirectory(confDir, { within: [confDir] }),
        );
        const names = listing.status === "ok" ? listing.entries.map((e) => e.name) : [];
        expect(names).toContain(forged);
        expect(names).not.toContain("05-cilium.conflist");
      } finally {
        rmSync(join(confDir, forged));
      }
    });

    it("moves files aside into a private backup dir and restores them, never overwriting", async () => {
      const nodes = access();
      const backup = join(confDir, ".cni-doctor-backup");
      const file = join(confDir, "10-calico.conflist");
      await nodes.run("k8s-worker1", "127.0.0.1", makeBackupDirectory(backup, { within: [confDir] }));
      await nodes.run("k8s-worker1", "127.0.0.1", moveIntoDirectory([file], backup, { within: [confDir] }));
      const aside = await nodes.run("k8s-worker1", "127.0.0.1", listDirectory(backup, { within: [confDir] }));
      expect(aside.status === "ok" && aside.entries.map((e) => e.name)).toEqual(["10-calico.conflist"]);
      const backupEntry = await nodes.run(
        "k8s-worker1",
        "127.0.0.1",
        listDirectory(confDir, { within: [confDir] }),
      );
      expect(
        backupEntry.status === "ok" && backupEntry.entries.find((e) => e.name === ".cni-doctor-backup")?.mode,
      ).toBe(0o700);

      await nodes.run(
        "k8s-worker1",
        "127.0.0.1",
        moveIntoDirectory([join(backup, "10-calico.conflist")], confDir, { within: [confDir] }),
      );
      expect(readFileSync(file, "utf8")).toBe('{"name":"k8s-pod-network"}\n');

      // -n: a file already at the destination is never overwritten.
      writeFileSync(join(backup, "10-calico.conflist"), "older copy\n");
      chownSync(join(backup, "10-calico.conflist"), uidOf(TEST_USER), uidOf(TEST_USER));
      await nodes
        .run(
          "k8s-worker1",
          "127.0.0.1",
          moveIntoDirectory([join(backup, "10-calico.conflist")], confDir, { within: [confDir] }),
        )
        // coreutils versions differ on the exit status of a skipped mv -n (0, or 1 since 9.2); any other failure counts.
        .catch((err: unknown) => {
          if (!(err instanceof NodeAccessError && err.kind === "command-failed")) throw err;
        });
      expect(readFileSync(file, "utf8")).toBe('{"name":"k8s-pod-network"}\n');
    });

    it("runs commands through sudo -n when the node is configured for sudo", async () => {
      const plain = access();
      const denied = await rejection(
        plain.run(
          "k8s-worker1",
          "127.0.0.1",
          readFileBounded(join(confDir, "secret-root-only"), { within: [confDir], maxBytes: 100 }),
        ),
      );
      expect(denied.kind).toBe("command-failed");
      expect(denied.message).toContain("Permission denied");
      expect(denied.message).toContain("sudo: true");

      const withSudo = access({ sudo: true });
      const template = readFileBounded(join(confDir, "secret-root-only"), {
        within: [confDir],
        maxBytes: 100,
      });
      expect(withSudo.commandLine("k8s-worker1", "127.0.0.1", template)).toBe(
        `sudo -n -- head -c 101 -- ${join(confDir, "secret-root-only")}`,
      );
      const read = await withSudo.run("k8s-worker1", "127.0.0.1", template);
      expect(read.status === "ok" && read.content.toString()).toBe("only root reads this\n");
    });

    it("says clearly when sudo wants a password", async () => {
      const nodes = access({ user: TEST_USER_SUDO_WITH_PASSWORD, sudo: true });
      const err = await rejection(nodes.run("k8s-worker1", "127.0.0.1", readNodeClock()));
      expect(err.kind).toBe("sudo-needs-password");
      expect(err.message).toContain("k8s-worker1");
      expect(err.message).toContain("sudo -n -- date");
      expect(err.message).toContain("NOPASSWD");
    });

    it("verifies host keys against a hashed known_hosts entry", async () => {
      const hashed = join(work, "known_hosts_hashed");
      writeFileSync(hashed, `${sshd.knownHostsLine("ed25519")}\n`);
      execFileSync("ssh-keygen", ["-H", "-f", hashed], { stdio: "ignore" });
      expect(readFileSync(hashed, "utf8")).toMatch(/^\|1\|/);
      const nodes = access({ knownHostsPath: hashed });
      await expect(nodes.run("k8s-worker1", "127.0.0.1", readNodeClock())).resolves.toHaveProperty(
        "nodeEpochMs",
      );
    });

    it("asks the server for the key type known_hosts has (ECDSA here, though the server prefers Ed25519)", async () => {
      const ecdsaOnly = join(work, "known_hosts_ecdsa");
      writeFileSync(ecdsaOnly, `${sshd.knownHostsLine("ecdsa")}\n`);
      const nodes = access({ knownHostsPath: ecdsaOnly });
      await expect(nodes.run("k8s-worker1", "127.0.0.1", readNodeClock())).resolves.toHaveProperty(
        "nodeEpochMs",
      );
    });

    it("refuses an unknown host key, naming the host, the offered fingerprint and how to add it", async () => {
      const empty = join(work, "known_hosts_other");
      writeFileSync(
        empty,
        `# nothing for this host\n[127.0.0.1]:1 ${sshd.knownHostsLine().split(" ").slice(1).join(" ")}\n`,
      );
      const nodes = access({ knownHostsPath: empty });
      const err = await rejection(nodes.run("k8s-worker1", "127.0.0.1", readNodeClock()));
      expect(err.kind).toBe("host-key-unknown");
      expect(err.message).toContain(`[127.0.0.1]:${sshd.port}`);
      expect(err.message).toContain(fingerprintOf(sshd.hostKeyPublicPath("ed25519")));
      const keyscan = `ssh-keyscan -p ${sshd.port} 127.0.0.1 >> ${empty}`;
      expect(err.message).toContain(keyscan);

      // Following the advice works (the fingerprint check out of band is the operator's part).
      execFileSync("sh", ["-c", `${keyscan} 2>/dev/null`]);
      const again = access({ knownHostsPath: empty });
      await expect(again.run("k8s-worker1", "127.0.0.1", readNodeClock())).resolves.toHaveProperty(
        "nodeEpochMs",
      );
    });

    it("refuses a changed host key, saying so and showing both fingerprints", async () => {
      const impostor = generateKey(join(work, "impostor_ed25519"));
      const [type, base64] = readFileSync(`${impostor}.pub`, "utf8").split(" ");
      const changed = join(work, "known_hosts_changed");
      writeFileSync(changed, `[127.0.0.1]:${sshd.port} ${type} ${base64}\n`);
      const nodes = access({ knownHostsPath: changed });
      const err = await rejection(nodes.run("k8s-worker1", "127.0.0.1", readNodeClock()));
      expect(err.kind).toBe("host-key-changed");
      expect(err.message).toContain("CHANGED");
      expect(err.message).toContain("man-in-the-middle");
      expect(err.message).toContain(fingerprintOf(sshd.hostKeyPublicPath("ed25519")));
      expect(err.message).toContain(fingerprintOf(`${impostor}.pub`));
      expect(nodes.connectionsOpened).toBe(0);
    });

    it("accepts a pinned fingerprint as ssh-keygen -lf prints it, and refuses a different one", async () => {
      const pinned = access({
        hostKeyFingerprint: fingerprintOf(sshd.hostKeyPublicPath("ed25519")),
        knownHostsPath: "/nonexistent",
      });
      await expect(pinned.run("k8s-worker1", "127.0.0.1", readNodeClock())).resolves.toHaveProperty(
        "nodeEpochMs",
      );

      const other = generateKey(join(work, "other_ed25519"));
      const wrong = access({ hostKeyFingerprint: fingerprintOf(`${other}.pub`) });
      const err = await rejection(wrong.run("k8s-worker1", "127.0.0.1", readNodeClock()));
      expect(err.kind).toBe("host-key-changed");
      expect(err.message).toContain(fingerprintOf(sshd.hostKeyPublicPath("ed25519")));
    });

    it("reports a key the server does not accept as auth refused, without retrying", async () => {
      const stranger = generateKey(join(work, "stranger_ed25519"));
      const nodes = access({ privateKeyPath: stranger }, { connectRetries: 3, connectRetryDelayMs: 0 });
      const connectionsBefore = sshd.log().split("Connection from 127.0.0.1").length;
      const err = await rejection(nodes.run("k8s-worker1", "127.0.0.1", readNodeClock()));
      expect(err.kind).toBe("auth-refused");
      expect(err.message).toContain("authorized_keys");
      // Exactly one attempt reached sshd, although three retries were allowed.
      expect(sshd.log().split("Connection from 127.0.0.1").length - connectionsBefore).toBe(1);
    });

    it("reports a port nobody listens on as unreachable, after the configured retries", async () => {
      const closedPort = await freePort();
      const nodes = access({ port: closedPort }, { connectRetries: 1, connectRetryDelayMs: 0 });
      const err = await rejection(nodes.run("k8s-worker1", "127.0.0.1", readNodeClock()));
      expect(err.kind).toBe("unreachable");
      expect(err.message).toContain(`127.0.0.1:${closedPort}`);
      expect(err.message).toContain("ECONNREFUSED");
    });

    it("uses an encrypted key with the passphrase from the named env var, and never echoes the passphrase", async () => {
      const passphrase = "correct horse battery staple";
      const key = generateKey(join(work, "encrypted_ed25519"), "ed25519", passphrase);
      writeFileSync(join(sshd.dir, "authorized_keys"), `${readFileSync(`${key}.pub`, "utf8")}`, {
        flag: "a",
      });

      const good = access(
        { privateKeyPath: key, privateKeyPassphraseEnv: "TEST_SSH_PASSPHRASE" },
        {},
        { TEST_SSH_PASSPHRASE: passphrase },
      );
      await expect(good.run("k8s-worker1", "127.0.0.1", readNodeClock())).resolves.toHaveProperty(
        "nodeEpochMs",
      );

      const unset = access({ privateKeyPath: key, privateKeyPassphraseEnv: "TEST_SSH_PASSPHRASE" }, {}, {});
      const e1 = await rejection(unset.run("k8s-worker1", "127.0.0.1", readNodeClock()));
      expect(e1.kind).toBe("client-key-unusable");
      expect(e1.message).toContain("TEST_SSH_PASSPHRASE");

      const wrong = access(
        { privateKeyPath: key, privateKeyPassphraseEnv: "TEST_SSH_PASSPHRASE" },
        {},
        { TEST_SSH_PASSPHRASE: "wrong horse" },
      );
      const e2 = await rejection(wrong.run("k8s-worker1", "127.0.0.1", readNodeClock()));
      expect(e2.kind).toBe("client-key-unusable");
      expect(e2.message).not.toContain("wrong horse");

      const none = access({ privateKeyPath: key });
      const e3 = await rejection(none.run("k8s-worker1", "127.0.0.1", readNodeClock()));
      expect(e3.kind).toBe("client-key-unusable");
      expect(e3.message).toContain("privateKeyPassphraseEnv");
      for (const e of [e1, e2, e3]) {
        expect(e.message).not.toContain(passphrase);
        expect(e.message).not.toContain("PRIVATE KEY");
      }
    });

    it("authenticates through ssh-agent (agent: true uses SSH_AUTH_SOCK)", async () => {
      const socket = join(work, "agent.sock");
      const agent = spawn("ssh-agent", ["-D", "-a", socket], { stdio: "ignore" });
      try {
        for (let i = 0; i < 100; i++) {
          try {
            execFileSync("ssh-add", [sshd.clientKeyPath], {
              env: { SSH_AUTH_SOCK: socket },
              stdio: "ignore",
            });
            break;
          } catch {
            await sleep(50); // the agent is still creating its socket
          }
        }
        const nodes = access(
          { privateKeyPath: undefined, agent: true },
          { privateKeyPath: undefined },
          { SSH_AUTH_SOCK: socket },
        );
        await expect(nodes.run("k8s-worker1", "127.0.0.1", readNodeClock())).resolves.toHaveProperty(
          "nodeEpochMs",
        );
        await nodes.close();
      } finally {
        agent.kill();
      }
    });

    it("caps output and flags it as truncated", async () => {
      const nodes = access({ maxOutputBytes: 2048 });
      const result = await nodes.run("k8s-worker1", "127.0.0.1", raw("head", "-c", "100000", "/dev/zero"));
      expect(result.exitCode).toBe(0);
      expect(result.stdout.length).toBe(2048);
      expect(result.stdoutTruncated).toBe(true);
      expect(result.stderrTruncated).toBe(false);
    });

    it("reports exit codes and signals", async () => {
      const nodes = access();
      const failed = await nodes.run("k8s-worker1", "127.0.0.1", raw("false"));
      expect(failed).toMatchObject({ exitCode: 1, signal: null });
      const killed = await nodes.run("k8s-worker1", "127.0.0.1", raw("sh", "-c", "kill -TERM $$"));
      expect(killed).toMatchObject({ exitCode: null, signal: "SIGTERM" });
    });

    it("times a command out, names node and command, and does not reuse the connection", async () => {
      // The timeout under test must cut `sleep 30`, yet leave the quick `date` calls room on a loaded machine.
      const nodes = access({ commandTimeoutMs: 2000 });
      await nodes.run("k8s-worker1", "127.0.0.1", readNodeClock());
      const err = await rejection(nodes.run("k8s-worker1", "127.0.0.1", raw("sleep", "30")));
      expect(err.kind).toBe("command-timeout");
      expect(err.message).toContain("k8s-worker1");
      expect(err.message).toContain("`sleep 30`");
      expect(err.message).toContain("2000 ms");
      await expect(nodes.run("k8s-worker1", "127.0.0.1", readNodeClock())).resolves.toHaveProperty(
        "nodeEpochMs",
      );
      expect(nodes.connectionsOpened).toBe(2);
    });

    it("reports a connection dropped mid-command, never retries it, and reconnects for the next one", async () => {
      const nodes = access();
      const marker = "31.4159"; // a sleep duration no other test uses, to find this session's process
      const pending = nodes.run("k8s-worker1", "127.0.0.1", raw("sleep", marker));
      const outcome = rejection(pending);
      for (let i = 0; i < 200 && sshd.findSessionProcesses(`sleep ${marker}`).length === 0; i++)
        await sleep(25);
      expect(sshd.findSessionProcesses(`sleep ${marker}`).length).toBe(1);
      sshd.killSessions();
      const err = await outcome;
      expect(err.kind).toBe("connection-dropped");
      expect(err.message).toContain("k8s-worker1");
      expect(err.message).toContain(`sleep ${marker}`);
      expect(err.message).toContain("not retried");
      await expect(nodes.run("k8s-worker1", "127.0.0.1", readNodeClock())).resolves.toHaveProperty(
        "nodeEpochMs",
      );
      expect(nodes.connectionsOpened).toBe(2);
    });

    it("bounds concurrency: one command at a time per node", async () => {
      const nodes = access();
      const results = await Promise.all(
        Array.from({ length: 12 }, () => nodes.run("k8s-worker1", "127.0.0.1", readNodeClock())),
      );
      expect(results).toHaveLength(12);
      expect(nodes.connectionsOpened).toBe(1);
    });
  },
);

describe.skipIf(skip)(
  `jump hosts over real OpenSSH servers${unavailable ? ` (skipped: ${unavailable})` : ""}`,
  () => {
    let bastion: Sshd;
    let noForwarding: Sshd;
    let node: Sshd;
    let work: string;

    beforeAll(async () => {
      [bastion, noForwarding, node] = await Promise.all([
        startSshd({ allowTcpForwarding: true }),
        startSshd({ allowTcpForwarding: false }),
        startSshd(),
      ]);
      work = mkdtempSync(join(tmpdir(), "cni-doctor-jump-test-"));
      // The node only authorises its own client key; the bastion its own. Each hop authenticates separately.
      writeFileSync(
        join(work, "known_hosts"),
        `${[bastion.knownHostsLine(), noForwarding.knownHostsLine(), node.knownHostsLine()].join("\n")}\n`,
      );
    });

    afterAll(async () => {
      await Promise.all([bastion?.stop(), noForwarding?.stop(), node?.stop()]);
      if (work) rmSync(work, { recursive: true, force: true });
    });

    function inventoryVia(jump: Sshd) {
      return parseInventory(
        JSON.stringify({
          defaults: {
            user: TEST_USER,
            privateKeyPath: node.clientKeyPath,
            knownHostsPath: "known_hosts",
            connectRetries: 0,
            jumpHost: { host: "127.0.0.1", port: jump.port, privateKeyPath: jump.clientKeyPath },
          },
          nodes: { "k8s-worker1": { port: node.port } },
        }),
        join(work, "nodes.yaml"),
        work,
      );
    }

    it("reaches the node through the bastion with forwardOut, verifying both host keys", async () => {
      const nodes = new NodeAccess(inventoryVia(bastion), { env: {} });
      try {
        const clock = await nodes.run("k8s-worker1", "127.0.0.1", readNodeClock());
        expect(clock.nodeEpochMs).toBeGreaterThan(0);
        expect(bastion.log()).toMatch(/Accepted publickey for cnidoctor/);
        expect(node.log()).toMatch(/Accepted publickey for cnidoctor/);
      } finally {
        await nodes.close();
      }
    });

    it("verifies the jump host's key too, and says which hop it refused", async () => {
      const inventory = inventoryVia(bastion);
      const onlyNode = join(work, "known_hosts_node_only");
      writeFileSync(onlyNode, `${node.knownHostsLine()}\n`);
      const nodes = new NodeAccess(
        { ...inventory, defaults: { ...inventory.defaults, knownHostsPath: onlyNode } },
        { env: {} },
      );
      try {
        const err = await rejection(nodes.run("k8s-worker1", "127.0.0.1", readNodeClock()));
        expect(err.kind).toBe("host-key-unknown");
        expect(err.message).toMatch(
          new RegExp(
            `^node k8s-worker1: unknown host key for jump host \\[127\\.0\\.0\\.1\\]:${bastion.port}:`,
          ),
        );
      } finally {
        await nodes.close();
      }
    });

    it("says which jump host failed when it does not forward", async () => {
      const nodes = new NodeAccess(inventoryVia(noForwarding), { env: {} });
      try {
        const err = await rejection(nodes.run("k8s-worker1", "127.0.0.1", readNodeClock()));
        expect(err.kind).toBe("unreachable");
        expect(err.message).toMatch(
          new RegExp(`^node k8s-worker1: jump host 127.0.0.1:${noForwarding.port} could not open`),
        );
        expect(err.message).toContain("AllowTcpForwarding");
      } finally {
        await nodes.close();
      }
    });
  },
);
