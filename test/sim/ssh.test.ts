/**
 * The simulated nodes' SSH endpoints, exercised with cni-doctor's real SSH layer (src/nodes): the same inventory,
 * host key verification, command templates and NodeAccess that run against a real OpenSSH server.
 */
import { createHash } from "node:crypto";
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import ssh2 from "ssh2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  checksumFiles,
  listDirectory,
  loadInventory,
  makeBackupDirectory,
  moveIntoDirectory,
  NodeAccess,
  parseInventory,
  readFileBounded,
  readNodeClock,
} from "../../src/nodes/index.ts";
import {
  type NodeCommandEvent,
  type NodeSshServers,
  startNodeSshServers,
  writeNodesOut,
} from "../../src/sim/ssh/index.ts";
import { raw, rejection } from "../support/node-commands.ts";

/** The entries of a listing that must have succeeded: a failed listing fails the test instead of reading as empty. */
function entriesOf<E>(listing: { status: string; entries?: E[] }): E[] {
  expect(listing.status).toBe("ok");
  return listing.entries ?? [];
}

const CONF_DIR = "/etc/cni/net.d";
const CALICO_CONFLIST = '{"name":"k8s-pod-network","cniVersion":"0.3.1","plugins":[{"type":"calico"}]}\n';
const KUBECONFIG =
  "# Kubeconfig file for Calico CNI plugin. Installed by calico/node.\napiVersion: v1\nkind: Config\n";

function fillNode(root: string): void {
  const conf = join(root, "etc/cni/net.d");
  mkdirSync(conf, { recursive: true });
  writeFileSync(join(conf, "10-calico.conflist"), CALICO_CONFLIST, { mode: 0o644 });
  writeFileSync(join(conf, "calico-kubeconfig"), KUBECONFIG);
  chmodSync(join(conf, "calico-kubeconfig"), 0o600);
  chmodSync(conf, 0o755);
  // A link within the node (absolute target, resolved inside the node root) and one climbing out of it.
  mkdirSync(join(root, "opt/cni"), { recursive: true });
  writeFileSync(join(root, "opt/cni/05-other.conf"), '{"name":"other"}\n');
  symlinkSync("/opt/cni/05-other.conf", join(conf, "05-other.conf"));
  symlinkSync("../../../../../../../../etc/passwd", join(conf, "escape"));
}

describe("simulated nodes over SSH, through cni-doctor's SSH layer", () => {
  let work: string;
  let servers: NodeSshServers;
  let nodesFile: string;
  const events: NodeCommandEvent[] = [];
  const accesses: NodeAccess[] = [];
  const roots: Record<string, string> = {};

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), "cni-doctor-sim-ssh-"));
    for (const name of ["k8s-worker1", "k8s-worker2"]) {
      roots[name] = join(work, "nodes", name);
      fillNode(roots[name]);
    }
    servers = await startNodeSshServers({
      nodes: Object.entries(roots).map(([name, root]) => ({ name, root })),
      onCommand: (event) => events.push(event),
    });
    const files = await writeNodesOut(servers, join(work, "out", "nodes.yaml"), {
      connectTimeoutMs: 5000,
      commandTimeoutMs: 10_000,
      connectRetries: 0,
    });
    nodesFile = files.nodesFile;
  });

  afterAll(async () => {
    await Promise.all(accesses.map((a) => a.close()));
    await servers?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  async function accessFromNodesFile(): Promise<NodeAccess> {
    const access = new NodeAccess(await loadInventory(nodesFile), { env: {} });
    accesses.push(access);
    return access;
  }

  /** A NodeAccess with the written nodes file's settings, some of them overridden. */
  function accessWith(overrides: Record<string, unknown>, node = "k8s-worker1"): NodeAccess {
    const endpoint = servers.endpoints.get(node);
    const file = {
      defaults: {
        user: servers.user,
        privateKeyPath: join(work, "out", "nodes.id_ed25519"),
        knownHostsPath: join(work, "out", "nodes.known_hosts"),
        sudo: true,
        connectTimeoutMs: 5000,
        commandTimeoutMs: 10_000,
        connectRetries: 0,
        ...overrides,
      },
      nodes: { [node]: { host: endpoint?.host, port: endpoint?.port } },
    };
    const access = new NodeAccess(parseInventory(JSON.stringify(file), join(work, "inline.yaml"), work), {
      env: {},
    });
    accesses.push(access);
    return access;
  }

  it("writes a nodes file in the product's schema, a known_hosts file and a 0600 client key", async () => {
    const text = readFileSync(nodesFile, "utf8");
    expect(text).toContain("privateKeyPath: nodes.id_ed25519");
    expect(text).toContain("knownHostsPath: nodes.known_hosts");
    const inventory = await loadInventory(nodesFile);
    for (const [name, endpoint] of servers.endpoints) {
      expect(inventory.nodes[name]).toMatchObject({ host: "127.0.0.1", port: endpoint.port });
    }
    expect(inventory.defaults).toMatchObject({ user: "cni-doctor", sudo: true });
    expect(statSync(join(work, "out", "nodes.id_ed25519")).mode & 0o777).toBe(0o600);
    const knownHosts = readFileSync(join(work, "out", "nodes.known_hosts"), "utf8");
    const worker1 = servers.endpoints.get("k8s-worker1");
    expect(knownHosts).toContain(`[127.0.0.1]:${worker1?.port} ssh-ed25519 AAAA`);
    // The fingerprint is the one `ssh-keygen -lf` would print for that key.
    const blob = Buffer.from(worker1?.hostPublicKeyLine.split(" ")[1] ?? "", "base64");
    expect(worker1?.hostKeyFingerprint).toBe(
      `SHA256:${createHash("sha256").update(blob).digest("base64").replace(/=+$/, "")}`,
    );
    // The private key never shows itself when the servers object is logged or serialised.
    expect(JSON.stringify({ key: servers.clientPrivateKey })).not.toContain("PRIVATE KEY");
    expect(String(servers.clientPrivateKey)).toBe("[private key]");
  });

  it("runs the read templates (list, read, clock, checksum) behind sudo, over one reused connection", async () => {
    const nodes = await accessFromNodesFile();
    const listing = await nodes.run(
      "k8s-worker1",
      undefined,
      listDirectory(CONF_DIR, { within: [CONF_DIR] }),
    );
    expect(listing.status).toBe("ok");
    if (listing.status !== "ok") return;
    expect(listing.entries.map((e) => e.name)).toEqual([
      "05-other.conf",
      "10-calico.conflist",
      "calico-kubeconfig",
      "escape",
    ]);
    const conflistStat = statSync(join(roots["k8s-worker1"] ?? "", "etc/cni/net.d/10-calico.conflist"));
    expect(listing.entries[1]).toEqual({
      name: "10-calico.conflist",
      sizeBytes: Buffer.byteLength(CALICO_CONFLIST),
      mtimeMs: Math.round(conflistStat.mtimeMs),
      owner: "root",
      group: "root",
      mode: 0o644,
      type: "file",
    });
    expect(listing.entries[0]?.type).toBe("symlink");
    expect(listing.entries[2]?.mode).toBe(0o600);

    const read = await nodes.run(
      "k8s-worker1",
      undefined,
      readFileBounded(`${CONF_DIR}/calico-kubeconfig`, { within: [CONF_DIR], maxBytes: 4096 }),
    );
    expect(read).toMatchObject({ status: "ok", truncated: false });
    if (read.status === "ok") expect(read.content.toString()).toBe(KUBECONFIG);
    const short = await nodes.run(
      "k8s-worker1",
      undefined,
      readFileBounded(`${CONF_DIR}/calico-kubeconfig`, { within: [CONF_DIR], maxBytes: 12 }),
    );
    expect(short).toMatchObject({ status: "ok", truncated: true });
    if (short.status === "ok") expect(short.content.toString()).toBe(KUBECONFIG.slice(0, 12));
    // A symlink with an absolute target is followed inside the node, as in a chroot.
    const throughLink = await nodes.run(
      "k8s-worker1",
      undefined,
      readFileBounded(`${CONF_DIR}/05-other.conf`, { within: [CONF_DIR], maxBytes: 100 }),
    );
    if (throughLink.status === "ok") expect(throughLink.content.toString()).toBe('{"name":"other"}\n');
    else expect.fail("expected the link's target to be read");
    const missing = await nodes.run(
      "k8s-worker1",
      undefined,
      readFileBounded(`${CONF_DIR}/nope`, { within: [CONF_DIR], maxBytes: 10 }),
    );
    expect(missing.status).toBe("missing");
    const missingDir = await nodes.run(
      "k8s-worker1",
      undefined,
      listDirectory(`${CONF_DIR}/absent`, { within: [CONF_DIR] }),
    );
    expect(missingDir.status).toBe("missing");

    const sums = await nodes.run(
      "k8s-worker1",
      undefined,
      checksumFiles([`${CONF_DIR}/10-calico.conflist`, `${CONF_DIR}/gone`], { within: [CONF_DIR] }),
    );
    expect(sums).toEqual([
      {
        path: `${CONF_DIR}/10-calico.conflist`,
        status: "ok",
        sha256: createHash("sha256").update(CALICO_CONFLIST).digest("hex"),
      },
      { path: `${CONF_DIR}/gone`, status: "missing" },
    ]);

    const clock = await nodes.run("k8s-worker1", undefined, readNodeClock());
    // Same host clock: within the round trip, plus the 1 ms the node's reading may differ by.
    expect(Math.abs(clock.offsetMs)).toBeLessThanOrEqual(clock.uncertaintyMs + 1);
    expect(nodes.connectionsOpened).toBe(1);
    expect(
      events.filter((e) => e.node === "k8s-worker1").every((e) => e.commandLine.startsWith("sudo -n -- ")),
    ).toBe(true);
  });

  it("lists a name holding a forged tab-and-newline record as one entry (NUL-terminated fields)", async () => {
    const nodes = await accessFromNodesFile();
    const forged = "x\t0\t1714000000\troot\troot\t644\tf\n05-cilium.conflist";
    const forgedPath = join(roots["k8s-worker1"] ?? "", "etc/cni/net.d", forged);
    writeFileSync(forgedPath, "{}\n");
    try {
      const listing = await nodes.run(
        "k8s-worker1",
        undefined,
        listDirectory(CONF_DIR, { within: [CONF_DIR] }),
      );
      const names = listing.status === "ok" ? listing.entries.map((e) => e.name) : [];
      expect(names).toContain(forged);
      expect(names).not.toContain("05-cilium.conflist");
    } finally {
      rmSync(forgedPath);
    }
  });

  it("reports a node's clock offset", async () => {
    servers.faults.setClockOffset("k8s-worker2", -600_000);
    try {
      const clock = await (await accessFromNodesFile()).run("k8s-worker2", undefined, readNodeClock());
      expect(Math.abs(clock.offsetMs + 600_000)).toBeLessThanOrEqual(clock.uncertaintyMs + 1);
    } finally {
      servers.faults.setClockOffset("k8s-worker2", 0);
    }
  });

  it("moves a file aside into a private backup directory and restores it byte-identical, never overwriting", async () => {
    const nodes = await accessFromNodesFile();
    const node = "k8s-worker2";
    const file = `${CONF_DIR}/calico-kubeconfig`;
    const backup = `${CONF_DIR}/.cni-doctor-backup/run-1`;
    const within = { within: [CONF_DIR] };
    const [before] = await nodes.run(node, undefined, checksumFiles([file], within));
    await nodes.run(node, undefined, makeBackupDirectory(backup, within));
    // -p: running it again is fine.
    await nodes.run(node, undefined, makeBackupDirectory(backup, within));
    await nodes.run(node, undefined, moveIntoDirectory([file], backup, within));
    const conf = await nodes.run(node, undefined, listDirectory(CONF_DIR, within));
    expect(entriesOf(conf).map((e) => e.name)).toEqual([
      ".cni-doctor-backup",
      "05-other.conf",
      "10-calico.conflist",
      "escape",
    ]);
    const parent = await nodes.run(node, undefined, listDirectory(`${CONF_DIR}/.cni-doctor-backup`, within));
    // Parents made by -p get 0755; the directory itself exactly 0700.
    expect(entriesOf(conf)[0]?.mode).toBe(0o755);
    expect(entriesOf(parent)[0]).toMatchObject({
      name: "run-1",
      mode: 0o700,
      type: "directory",
    });

    // A new file appears under the old name; restoring must not clobber it (mv -n skips silently).
    writeFileSync(join(roots[node] ?? "", "etc/cni/net.d/calico-kubeconfig"), "fresh\n");
    await nodes.run(node, undefined, moveIntoDirectory([`${backup}/calico-kubeconfig`], CONF_DIR, within));
    expect(readFileSync(join(roots[node] ?? "", "etc/cni/net.d/calico-kubeconfig"), "utf8")).toBe("fresh\n");
    rmSync(join(roots[node] ?? "", "etc/cni/net.d/calico-kubeconfig"));

    await nodes.run(node, undefined, moveIntoDirectory([`${backup}/calico-kubeconfig`], CONF_DIR, within));
    const [after] = await nodes.run(node, undefined, checksumFiles([file], within));
    expect(after).toEqual(before);
    const aside = await nodes.run(node, undefined, listDirectory(backup, within));
    expect(entriesOf(aside)).toEqual([]);
    const restored = statSync(join(roots[node] ?? "", "etc/cni/net.d/calico-kubeconfig"));
    expect(restored.mode & 0o777).toBe(0o600);
  });

  it("without sudo runs as an ordinary user: root-only files are refused with Permission denied", async () => {
    const nodes = accessWith({ sudo: false });
    const listing = await nodes.run(
      "k8s-worker1",
      undefined,
      listDirectory(CONF_DIR, { within: [CONF_DIR] }),
    );
    expect(listing.status).toBe("ok");
    const refused = await rejection(
      nodes.run(
        "k8s-worker1",
        undefined,
        readFileBounded(`${CONF_DIR}/calico-kubeconfig`, { within: [CONF_DIR], maxBytes: 100 }),
      ),
    );
    expect(refused.kind).toBe("command-failed");
    expect(refused.message).toContain(
      "head: cannot open '/etc/cni/net.d/calico-kubeconfig' for reading: Permission denied",
    );
    expect(refused.message).toContain("set `sudo: true`");
  });

  it("reports sudo wanting a password as the product's sudo-needs-password error", async () => {
    servers.faults.setSudoPolicy("k8s-worker1", "password-required");
    try {
      const refused = await rejection(
        (await accessFromNodesFile()).run("k8s-worker1", undefined, readNodeClock()),
      );
      expect(refused.kind).toBe("sudo-needs-password");
    } finally {
      servers.faults.setSudoPolicy("k8s-worker1", "nopasswd");
    }
  });

  it("verifies the host key against known_hosts, and refuses an unknown or changed key", async () => {
    const endpoint = servers.endpoints.get("k8s-worker1");
    const emptyKnownHosts = join(work, "empty_known_hosts");
    writeFileSync(emptyKnownHosts, "");
    const unknown = await rejection(
      accessWith({ knownHostsPath: emptyKnownHosts }).run("k8s-worker1", undefined, readNodeClock()),
    );
    expect(unknown.kind).toBe("host-key-unknown");

    // worker2's key recorded for worker1's address: a changed key, as after a man-in-the-middle.
    const wrongKnownHosts = join(work, "wrong_known_hosts");
    writeFileSync(
      wrongKnownHosts,
      `[127.0.0.1]:${endpoint?.port} ${servers.endpoints.get("k8s-worker2")?.hostPublicKeyLine}\n`,
    );
    const changed = await rejection(
      accessWith({ knownHostsPath: wrongKnownHosts }).run("k8s-worker1", undefined, readNodeClock()),
    );
    expect(changed.kind).toBe("host-key-changed");

    // A pinned fingerprint works too.
    const pinned = accessWith({
      knownHostsPath: undefined,
      hostKeyFingerprint: endpoint?.hostKeyFingerprint,
    });
    await expect(pinned.run("k8s-worker1", undefined, readNodeClock())).resolves.toHaveProperty(
      "nodeEpochMs",
    );
  });

  it("refuses another client key and another user", async () => {
    const otherKey = join(work, "other_id_ed25519");
    writeFileSync(otherKey, ssh2.utils.generateKeyPairSync("ed25519").private, { mode: 0o600 });
    const wrongKey = await rejection(
      accessWith({ privateKeyPath: otherKey }).run("k8s-worker1", undefined, readNodeClock()),
    );
    expect(wrongKey.kind).toBe("auth-refused");
    const wrongUser = await rejection(
      accessWith({ user: "root" }).run("k8s-worker1", undefined, readNodeClock()),
    );
    expect(wrongUser.kind).toBe("auth-refused");
  });

  it("keeps every path inside the node root: '..' escapes and links climbing out are refused", async () => {
    const nodes = await accessFromNodesFile();
    // The product's validator would never send these; a hostile or buggy client might.
    const dotdot = await nodes.run(
      "k8s-worker1",
      undefined,
      raw("head", "-c", "100", "--", "/../../../../etc/passwd"),
    );
    expect(dotdot.exitCode).toBe(1);
    expect(dotdot.stdout.length).toBe(0);
    expect(dotdot.stderr.toString()).toBe(
      "head: cannot open '/../../../../etc/passwd' for reading: Operation not permitted\n",
    );
    const viaLink = await nodes.run(
      "k8s-worker1",
      undefined,
      raw("head", "-c", "100", "--", `${CONF_DIR}/escape`),
    );
    expect(viaLink.exitCode).toBe(1);
    expect(viaLink.stderr.toString()).toContain("Operation not permitted");
    const listUp = await nodes.run("k8s-worker1", undefined, raw("find", "/..", "-maxdepth", "1"));
    expect(listUp.exitCode).toBe(1);
    expect(listUp.stdout.length).toBe(0);
    // An absolute path is the node's own, never the host's.
    const hostFile = await nodes.run(
      "k8s-worker1",
      undefined,
      raw("sha256sum", "--", join(work, "out", "nodes.id_ed25519")),
    );
    expect(hostFile.stderr.toString()).toMatch(/No such file or directory/);
    const moveOut = await nodes.run(
      "k8s-worker1",
      undefined,
      raw("mv", "-n", "-t", "/..", "--", `${CONF_DIR}/10-calico.conflist`),
    );
    expect(moveOut.exitCode).toBe(1);
    expect(statSync(join(roots["k8s-worker1"] ?? "", "etc/cni/net.d/10-calico.conflist")).isFile()).toBe(
      true,
    );
  });

  it("answers unknown commands and shell syntax as sh would, without running anything", async () => {
    const nodes = await accessFromNodesFile();
    const unknown = await nodes.run("k8s-worker1", undefined, raw("rm", "-rf", "/"));
    // Behind sudo, sudo itself reports the unknown program.
    expect(unknown).toMatchObject({ exitCode: 1 });
    expect(unknown.stderr.toString()).toBe("sudo: rm: command not found\n");
    const plain = await accessWith({ sudo: false }).run("k8s-worker1", undefined, raw("cat", "/etc/passwd"));
    expect(plain.exitCode).toBe(127);
    expect(plain.stderr.toString()).toBe("sh: 1: cat: not found\n");
    // Quoted metacharacters are just bytes of an argument; this file simply does not exist.
    const quoted = await nodes.run(
      "k8s-worker1",
      undefined,
      raw("head", "-c", "1", "--", "/x; rm -rf / | $(id) `id` && <>"),
    );
    expect(quoted.stderr.toString()).toContain("No such file or directory");
    expect(statSync(join(roots["k8s-worker1"] ?? "", "etc/cni/net.d")).isDirectory()).toBe(true);
  });

  it("a connection dropped mid-command is reported as such, and the next command reconnects", async () => {
    const nodes = await accessFromNodesFile();
    const node = "k8s-worker1";
    const within = { within: [CONF_DIR] };
    const backup = `${CONF_DIR}/.cni-doctor-backup/dropped`;
    await nodes.run(node, undefined, makeBackupDirectory(backup, within));
    // The second mv from now is cut after it took effect: the client cannot know that it did.
    servers.faults.dropConnection(node, { program: "mv", occurrence: 2, phase: "after-running" });
    await nodes.run(node, undefined, moveIntoDirectory([`${CONF_DIR}/10-calico.conflist`], backup, within));
    const dropped = await rejection(
      nodes.run(node, undefined, moveIntoDirectory([`${backup}/10-calico.conflist`], CONF_DIR, within)),
    );
    expect(dropped.kind).toBe("connection-dropped");
    // It did take effect; a new connection sees that.
    const sums = await nodes.run(node, undefined, checksumFiles([`${CONF_DIR}/10-calico.conflist`], within));
    expect(sums[0]?.status).toBe("ok");
    expect(nodes.connectionsOpened).toBe(2);

    servers.faults.dropConnection(node, { phase: "before-running" });
    const notRun = await rejection(
      nodes.run(node, undefined, moveIntoDirectory([`${CONF_DIR}/10-calico.conflist`], backup, within)),
    );
    expect(notRun.kind).toBe("connection-dropped");
    expect(statSync(join(roots[node] ?? "", "etc/cni/net.d/10-calico.conflist")).isFile()).toBe(true);
  });

  it("a slow node trips the product's command timeout, and the command is not run", async () => {
    const nodes = accessWith({ commandTimeoutMs: 200 });
    servers.faults.setLatency("k8s-worker1", 5_000);
    try {
      const backup = `${CONF_DIR}/.never`;
      const timedOut = await rejection(
        nodes.run("k8s-worker1", undefined, makeBackupDirectory(backup, { within: [CONF_DIR] })),
      );
      expect(timedOut.kind).toBe("command-timeout");
    } finally {
      servers.faults.setLatency("k8s-worker1", 0);
    }
    // The KILL reached the node before the command ran: nothing was created.
    const listing = await (await accessFromNodesFile()).run(
      "k8s-worker1",
      undefined,
      listDirectory(CONF_DIR, { within: [CONF_DIR] }),
    );
    expect(entriesOf(listing).some((e) => e.name === ".never")).toBe(false);
  });

  it("an unreachable node refuses connections, and comes back on the same port with the same host key", async () => {
    const port = servers.endpoints.get("k8s-worker2")?.port;
    await servers.faults.setUnreachable("k8s-worker2", true);
    try {
      const down = await rejection(
        (await accessFromNodesFile()).run("k8s-worker2", undefined, readNodeClock()),
      );
      expect(down.kind).toBe("unreachable");
      expect(down.message).toContain("ECONNREFUSED");
    } finally {
      await servers.faults.setUnreachable("k8s-worker2", false);
    }
    expect(servers.endpoints.get("k8s-worker2")?.port).toBe(port);
    await expect(
      (await accessFromNodesFile()).run("k8s-worker2", undefined, readNodeClock()),
    ).resolves.toHaveProperty("offsetMs");
  });

  it("an open connection is cut when its node goes down", async () => {
    const nodes = await accessFromNodesFile();
    await nodes.run("k8s-worker2", undefined, readNodeClock());
    servers.faults.setLatency("k8s-worker2", 5_000);
    const pending = rejection(nodes.run("k8s-worker2", undefined, readNodeClock()));
    await servers.faults.setUnreachable("k8s-worker2", true);
    try {
      expect((await pending).kind).toBe("connection-dropped");
    } finally {
      await servers.faults.clear("k8s-worker2");
    }
  });
});
