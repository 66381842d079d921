/**
 * The same node inspection code against a real OpenSSH server (test/support/sshd.ts): NodeAccess with sudo, a temp
 * conf dir holding a root-only calico-kubeconfig, reached through a nodes file that sets cniConfDir. Skipped, with the
 * reason, where sshd or the test user is missing (`sudo bash test/support/provision-ssh-host.sh` sets a machine up).
 */
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inspectNode, refineRootCause } from "../../../src/diagnosis/forensics/index.ts";
import { type CommandEvent, NodeAccess, parseInventory } from "../../../src/nodes/index.ts";
import { skipWithout } from "../../support/real-parts.ts";
import { type Sshd, sshdUnavailableReason, startSshd, TEST_USER } from "../../support/sshd.ts";
import { fakeReader } from "./fake-reader.ts";
import {
  CALICO_CONFLIST,
  CILIUM_CONFLIST,
  calicoKubeconfig,
  INSTALL_CNI_LINE,
  makeCa,
  signBoundToken,
  type TestCa,
} from "./fixtures.ts";

const unavailable = sshdUnavailableReason();
const skip = skipWithout("a real OpenSSH sshd", unavailable);

const HOUR = 3_600_000;

describe.skipIf(skip)(
  `node forensics over a real OpenSSH server${unavailable ? ` (skipped: ${unavailable})` : ""}`,
  () => {
    let sshd: Sshd;
    let work: string;
    let confDir: string;
    let access: NodeAccess;
    let cluster: TestCa;
    let token: string;
    const events: CommandEvent[] = [];
    const now = new Date();

    beforeAll(async () => {
      sshd = await startSshd();
      work = mkdtempSync(join(tmpdir(), "cni-doctor-forensics-"));
      writeFileSync(join(work, "known_hosts"), `${sshd.knownHostsLine()}\n`);
      // Root-owned like a real node's: only `sudo -n` can read calico-kubeconfig (mode 0600).
      confDir = join(sshd.dir, "etc-cni-net.d");
      mkdirSync(confDir, { mode: 0o755 });
      cluster = await makeCa();
      const previousCluster = await makeCa();
      token = await signBoundToken({
        serviceAccountUid: "uid-of-the-previous-cluster",
        issuedAt: new Date(now.getTime() - 30 * 24 * HOUR),
        expiresAt: new Date(now.getTime() - 29 * 24 * HOUR),
      });
      // install-cni fills in the host's own conf dir for __KUBECONFIG_FILEPATH__.
      const conflist = CALICO_CONFLIST.replace(
        "/etc/cni/net.d/calico-kubeconfig",
        `${confDir}/calico-kubeconfig`,
      );
      writeFileSync(join(confDir, "10-calico.conflist"), conflist, { mode: 0o644 });
      writeFileSync(join(confDir, "05-cilium.conflist.bak"), CILIUM_CONFLIST, { mode: 0o644 });
      writeFileSync(
        join(confDir, "calico-kubeconfig"),
        calicoKubeconfig({ header: INSTALL_CNI_LINE, caPem: previousCluster.pem, token }),
        { mode: 0o600 },
      );
      const written = new Date(now.getTime() - 30 * 24 * HOUR);
      for (const f of ["10-calico.conflist", "05-cilium.conflist.bak", "calico-kubeconfig"]) {
        utimesSync(join(confDir, f), written, written);
      }
      const inventory = parseInventory(
        [
          "defaults:",
          `  user: ${TEST_USER}`,
          `  privateKeyPath: ${sshd.clientKeyPath}`,
          "  knownHostsPath: known_hosts",
          "  sudo: true",
          "nodes:",
          `  k8s-worker1: { host: 127.0.0.1, port: ${sshd.port}, cniConfDir: ${confDir} }`,
          "",
        ].join("\n"),
        "test nodes file",
        work,
      );
      access = new NodeAccess(inventory, { env: {}, onCommand: (e) => events.push(e) });
    });

    afterAll(async () => {
      await access?.close();
      await sshd?.stop();
      if (work) rmSync(work, { recursive: true, force: true });
      if (sshd) rmSync(sshd.dir, { recursive: true, force: true });
    });

    it("reads the conf dir, the configs and the root-only kubeconfig with sudo, and proves a stale config", async () => {
      const reviewed: string[] = [];
      const forensics = await inspectNode(
        access,
        fakeReader(
          {
            ca: cluster,
            review: { authenticated: false, error: "[invalid bearer token, crypto/rsa: verification error]" },
          },
          reviewed,
        ),
        { node: "k8s-worker1", internalIP: undefined },
        { caFingerprint: cluster.fingerprint },
      );
      expect(forensics.cniConfDir).toBe(confDir);
      expect(forensics.problems).toEqual([]);
      const names = forensics.confDir.entries.map((e) => [e.name, e.owner, e.mode]);
      expect(names).toEqual([
        ["05-cilium.conflist.bak", "root", "0644"],
        ["10-calico.conflist", "root", "0644"],
        ["calico-kubeconfig", "root", "0600"],
      ]);
      // A .bak file is not a config the runtime reads: Calico's is the active one.
      expect(forensics.activeConfig).toBe("10-calico.conflist");
      expect(forensics.kubeconfig).toMatchObject({
        status: "ok",
        writer: "install-cni",
        caMatchesCluster: false,
      });
      expect(forensics.clock?.reference).toBe("local-clock");
      // Same machine: the offset is within the measurement's own uncertainty plus scheduling noise.
      expect(Math.abs(forensics.clock?.offsetMs ?? Number.NaN)).toBeLessThan(5_000);
      expect(reviewed).toEqual([token]);

      const verdict = refineRootCause({
        family: "cni-credentials-rejected",
        cni: "calico",
        clusterVerdict: { rootCause: "stale-cni-config", confidence: "low", facts: [] },
        forensics,
        agent: null,
        agentName: "calico-node",
        deployedCnis: ["calico"],
        nodeCreatedAt: new Date(now.getTime() - 2 * HOUR).toISOString(),
        now,
      });
      expect(verdict.rootCause).toBe("stale-cni-config");
      expect(verdict.confidence).toBe("high");

      const everything = JSON.stringify({ forensics, verdict, events }) + sshd.log();
      expect(everything).not.toContain(token);
      expect(events.map((e) => e.template)).toEqual([
        "node-clock",
        "list-directory",
        "read-file",
        "read-file",
      ]);
      expect(events.every((e) => e.commandLine.startsWith("sudo -n -- "))).toBe(true);
    });
  },
);
