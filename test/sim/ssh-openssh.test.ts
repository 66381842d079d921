/**
 * The simulated nodes with the real OpenSSH client: the files `cni-doctor sim --nodes-out` writes (client key,
 * known_hosts) work with `ssh` as they are, with strict host key checking.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type NodeSshServers,
  type NodesOutFiles,
  startNodeSshServers,
  writeNodesOut,
} from "../../src/sim/ssh/index.ts";
import { skipWithout } from "../support/real-parts.ts";

const SSH = "/usr/bin/ssh";
const unavailable = existsSync(SSH) ? undefined : `${SSH} is not installed (apt-get install openssh-client)`;
const skip = skipWithout("the OpenSSH client", unavailable);

function ssh(args: string[]): Promise<{ stdout: string; stderr: string; exitCode: number | null }> {
  return new Promise((resolve, reject) => {
    // No agent, no user config: only what the test passes.
    const child = spawn(SSH, ["-F", "/dev/null", ...args], {
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: tmpdir() },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString("utf8");
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString("utf8");
    });
    child.on("error", reject);
    child.on("close", (exitCode) => resolve({ stdout, stderr, exitCode }));
  });
}

describe.skipIf(skip)(
  `simulated nodes with the OpenSSH client${unavailable ? ` (skipped: ${unavailable})` : ""}`,
  () => {
    let work: string;
    let servers: NodeSshServers;
    let files: NodesOutFiles;

    beforeAll(async () => {
      work = mkdtempSync(join(tmpdir(), "cni-doctor-sim-openssh-"));
      const root = join(work, "k8s-worker1");
      mkdirSync(join(root, "etc/cni/net.d"), { recursive: true });
      writeFileSync(join(root, "etc/cni/net.d/10-calico.conflist"), "{}\n");
      servers = await startNodeSshServers({
        nodes: [{ name: "k8s-worker1", root, clockOffsetMs: 3_600_000 }],
      });
      files = await writeNodesOut(servers, join(work, "nodes.yaml"));
    });

    afterAll(async () => {
      await servers?.close();
      if (work) rmSync(work, { recursive: true, force: true });
    });

    function options(knownHosts: string): string[] {
      const port = servers.endpoints.get("k8s-worker1")?.port;
      return [
        "-i",
        files.privateKeyFile,
        "-o",
        "IdentitiesOnly=yes",
        "-o",
        `UserKnownHostsFile=${knownHosts}`,
        "-o",
        "StrictHostKeyChecking=yes",
        "-o",
        "BatchMode=yes",
        "-o",
        "ConnectTimeout=10",
        "-p",
        String(port),
      ];
    }

    it("runs `date +%s.%N` with the written key and known_hosts, and shows the node's clock", async () => {
      const result = await ssh([...options(files.knownHostsFile), "cni-doctor@127.0.0.1", "date +%s.%N"]);
      expect(result).toMatchObject({ exitCode: 0 });
      expect(result.stdout).toMatch(/^\d+\.\d{9}\n$/);
      // The node runs an hour ahead; an hour dwarfs any round trip.
      expect(Number(result.stdout) * 1000 - Date.now()).toBeGreaterThan(3_000_000);
    });

    it("runs a sudo template and reports unknown commands with sh's words", async () => {
      const listing = await ssh([
        ...options(files.knownHostsFile),
        "cni-doctor@127.0.0.1",
        "sudo -n -- find /etc/cni/net.d -mindepth 1 -maxdepth 1 -printf '%f\\t%u\\t%m\\t%y\\n'",
      ]);
      expect(listing).toMatchObject({ exitCode: 0, stdout: "10-calico.conflist\troot\t644\tf\n" });
      const unknown = await ssh([...options(files.knownHostsFile), "cni-doctor@127.0.0.1", "uname -a"]);
      expect(unknown).toMatchObject({ exitCode: 127, stderr: "sh: 1: uname: not found\n" });
    });

    it("refuses a shell session", async () => {
      const shell = await ssh([...options(files.knownHostsFile), "-T", "cni-doctor@127.0.0.1"]);
      expect(shell.exitCode).toBe(255);
      expect(shell.stderr).toContain("shell request failed");
    });

    it("is refused by ssh when the host key is not in known_hosts", async () => {
      const empty = join(work, "empty_known_hosts");
      writeFileSync(empty, "");
      const result = await ssh([...options(empty), "cni-doctor@127.0.0.1", "date +%s.%N"]);
      expect(result.exitCode).toBe(255);
      expect(result.stderr).toContain("Host key verification failed");
    });
  },
);
