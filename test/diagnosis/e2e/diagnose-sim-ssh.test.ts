/**
 * End to end: `cni-doctor diagnose --kubeconfig <sim> --nodes-file <sim nodes file> --json` against the simulated
 * cluster's HTTPS API server and its nodes' SSH endpoints. The product only speaks the Kubernetes REST protocol and
 * SSH; everything it prints (JSON, text, --verbose logs) is captured and searched for secrets.
 */
import { execFile } from "node:child_process";
import { webcrypto } from "node:crypto";
import { readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Diagnosis, Finding } from "../../../src/diagnosis/index.ts";
import { loadScenario, type RunningSimulatedCluster, startSimulatedCluster } from "../../../src/sim/index.ts";
import { type NodeSshServers, startNodeSshServers, writeNodesOut } from "../../../src/sim/ssh/index.ts";
import { runCli } from "../../support/run-cli.ts";

interface SimWithNodes {
  sim: RunningSimulatedCluster;
  ssh: NodeSshServers;
  dir: string;
  kubeconfigPath: string;
  nodesFile: string;
  /** Every secret the simulation holds that must never be printed. */
  secrets: string[];
}

async function startScenario(scenario: string): Promise<SimWithNodes> {
  const sim = await startSimulatedCluster({ scenario, port: 0 });
  const dir = await mkdtemp(join(tmpdir(), `cni-doctor-e2e-${scenario}-`));
  const nodes = loadScenario(scenario).nodes.map((n) => ({ name: n.name, root: sim.nodeRoot(n.name) }));
  const ssh = await startNodeSshServers({ nodes });
  const kubeconfigPath = join(dir, "kubeconfig");
  await writeFile(kubeconfigPath, sim.kubeconfig(), { mode: 0o600 });
  const files = await writeNodesOut(ssh, join(dir, "nodes.yaml"), { connectRetries: 0 });
  const cniTokens = secretsOnNodes(nodes.map((n) => n.root));
  // Every scenario has Calico on its nodes: without tokens found, the secret check below would prove nothing.
  if (cniTokens.length === 0) throw new Error(`no calico-kubeconfig token found on ${scenario}'s nodes`);
  return {
    sim,
    ssh,
    dir,
    kubeconfigPath,
    nodesFile: files.nodesFile,
    secrets: [
      sim.adminToken,
      ...cniTokens,
      keyBody(readFileSync(files.privateKeyFile, "utf8")),
      keyBody(await pkcs8Pem(sim.cluster.identity.ca.keys.privateKey)),
      keyBody(await pkcs8Pem(sim.cluster.identity.signingKey.privateKey)),
    ],
  };
}

async function pkcs8Pem(key: CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey("pkcs8", key));
  return `-----BEGIN PRIVATE KEY-----\n${der.toString("base64")}\n-----END PRIVATE KEY-----\n`;
}

/** The first 48 base64 characters of a PEM key's body: enough to recognise any printed copy, wrapped or not. */
function keyBody(pem: string): string {
  const body = pem
    .split("\n")
    .filter((l) => l !== "" && !l.startsWith("-----"))
    .join("");
  return body.slice(0, 48);
}

/** The CNI tokens in the nodes' calico-kubeconfig files, read straight from the simulated disks. */
function secretsOnNodes(roots: string[]): string[] {
  const out: string[] = [];
  for (const root of roots) {
    try {
      const text = readFileSync(join(root, "etc/cni/net.d/calico-kubeconfig"), "utf8");
      const token = /^\s*token:\s*(\S+)\s*$/m.exec(text)?.[1];
      if (token) out.push(token);
    } catch {
      // This node has no calico-kubeconfig.
    }
  }
  return out;
}

/** Lines that prove a secret is absent: the secret itself, and the parts a log might split it into. */
function expectNoSecrets(printed: string, secrets: string[]) {
  for (const secret of secrets) {
    expect(secret.length).toBeGreaterThan(40);
    expect(printed).not.toContain(secret);
    // A JWT's signature part alone would still let someone recognise (not replay) it; keep even that out.
    const signature = secret.split(".")[2];
    if (signature && signature.length > 20) expect(printed).not.toContain(signature);
  }
  expect(printed).not.toMatch(/PRIVATE KEY-----/);
}

/** Polls `diagnose --json` until the sim's kubelets have reported the failures (bounded; no wall-clock asserts). */
async function diagnoseUntil(env: SimWithNodes, ready: (d: Diagnosis) => boolean) {
  let last: Awaited<ReturnType<typeof runCli>> | undefined;
  for (let attempt = 0; attempt < 40; attempt++) {
    last = await runCli([
      "diagnose",
      "--kubeconfig",
      env.kubeconfigPath,
      "--nodes-file",
      env.nodesFile,
      "--json",
      "--verbose",
    ]);
    if (last.code !== 1 && ready(JSON.parse(last.out) as Diagnosis)) return last;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`diagnosis never became ready; last output:\n${last?.out}\n${last?.err}`);
}

function byCause(d: Diagnosis): Record<string, Finding[]> {
  const out: Record<string, Finding[]> = {};
  for (const f of d.findings) out[f.rootCause] = [...(out[f.rootCause] ?? []), f];
  return out;
}

const nodesOf = (findings: Finding[] | undefined) => (findings ?? []).flatMap((f) => f.nodes).sort();

describe.each([
  {
    scenario: "stale-cni-config",
    ready: (d: Diagnosis) => nodesOf(byCause(d)["stale-cni-config"]).length === 2,
    check(d: Diagnosis) {
      const stale = byCause(d)["stale-cni-config"] ?? [];
      expect(nodesOf(stale)).toEqual(["k8s-worker1", "k8s-worker2"]);
      expect(stale.every((f) => f.confidence === "high")).toBe(true);
      const facts = stale.flatMap((f) => f.evidence.facts).join("\n");
      expect(facts).toMatch(/k8s-worker1: .*calico-kubeconfig trusts CA .* not this cluster's CA/);
      expect(facts).toMatch(/k8s-worker2: .*calico-kubeconfig trusts CA .* not this cluster's CA/);
      for (const n of stale.flatMap((f) => f.evidence.nodes)) {
        expect(n.inspection?.kubeconfig?.caMatchesCluster).toBe(false);
        expect(n.inspection?.kubeconfig?.token?.fingerprint).toMatch(/^sha256:[0-9a-f]{16}$/);
      }
    },
  },
  {
    scenario: "expired-token",
    ready: (d: Diagnosis) => d.findings.length > 0,
    check(d: Diagnosis) {
      expect(d.findings.map((f) => [f.rootCause, f.nodes])).toEqual([["cni-token-expired", ["k8s-worker2"]]]);
      const finding = d.findings[0] as Finding;
      expect(finding.confidence).toBe("high");
      const node = finding.evidence.nodes[0];
      expect(node?.inspection?.kubeconfig?.writer).toBe("install-cni");
      expect(node?.inspection?.kubeconfig?.token?.review).toMatchObject({ status: "rejected" });
      expect(finding.evidence.facts.join("\n")).toMatch(/k8s-worker2: The token expired at/);
    },
  },
  {
    scenario: "shadowing-config",
    ready: (d: Diagnosis) => d.findings.length > 0,
    check(d: Diagnosis) {
      const shadowing = byCause(d)["shadowing-cni-config"] ?? [];
      expect(nodesOf(shadowing)).toEqual(["k8s-worker1"]);
      expect(shadowing[0]?.confidence).toBe("high");
      expect(shadowing[0]?.evidence.nodes[0]?.inspection?.activeConfig).toBe("05-cilium.conflist");
      expect(shadowing[0]?.evidence.facts.join("\n")).toMatch(/10-calico.conflist \(calico\) sorts after it/);
    },
  },
  {
    scenario: "manifest-install",
    ready: (d: Diagnosis) => nodesOf(byCause(d)["stale-cni-config"]).length === 2,
    check(d: Diagnosis) {
      expect(d.checked.cniAgents).toContain("kube-system/calico-node");
      const stale = byCause(d)["stale-cni-config"] ?? [];
      expect(nodesOf(stale)).toEqual(["k8s-worker1", "k8s-worker2"]);
      for (const n of stale.flatMap((f) => f.evidence.nodes)) {
        expect(n.agent?.namespace).toBe("kube-system");
        expect(n.inspection?.kubeconfig?.token?.claims?.serviceAccount?.namespace).toBe("kube-system");
      }
    },
  },
])("diagnose over SSH on the simulated cluster: $scenario", ({ scenario, ready, check }) => {
  let env: SimWithNodes;

  beforeAll(async () => {
    env = await startScenario(scenario);
  });
  afterAll(async () => {
    await env?.ssh.close();
    await env?.sim.stop();
    if (env) await rm(env.dir, { recursive: true, force: true });
  });

  it("names the root cause from the node's files, and prints no secret in JSON, text or logs", async () => {
    const json = await diagnoseUntil(env, ready);
    expect(json.code).toBe(3);
    const diagnosis = JSON.parse(json.out) as Diagnosis;
    expect(diagnosis.errors).toEqual([]);
    check(diagnosis);
    // --verbose logged the node commands: only the read-only templates ran.
    expect(json.err).toMatch(/node k8s-worker\d: sudo -n -- find /);
    expect(json.err).not.toMatch(/\b(mv|mkdir|rm) /);

    const text = await runCli([
      "diagnose",
      "--kubeconfig",
      env.kubeconfigPath,
      "--nodes-file",
      env.nodesFile,
    ]);
    expect(text.code).toBe(3);
    expect(text.out).toMatch(/files: \/etc\/cni\/net.d has \d+ entries/);
    // And as operators run it: `npx cni-doctor` on plain Node, no test runner interop.
    const npx = await promisify(execFile)(
      "npx",
      ["cni-doctor", "diagnose", "--kubeconfig", env.kubeconfigPath, "--nodes-file", env.nodesFile, "--json"],
      { cwd: join(import.meta.dirname, "../../.."), env: { ...process.env, NO_COLOR: "1" } },
    ).catch((err: { code?: number; stdout?: string; stderr?: string }) => err);
    expect((npx as { code?: number }).code).toBe(3);
    const fromNpx = JSON.parse(String(npx.stdout)) as Diagnosis;
    check(fromNpx);

    expectNoSecrets(
      [json.out, json.err, text.out, text.err, String(npx.stdout), String(npx.stderr)].join("\n"),
      env.secrets,
    );
  });
});
