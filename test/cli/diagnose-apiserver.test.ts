/**
 * `diagnose` when the API server cannot be used at all, through the CLI: refused, a TLS failure and a rejected token
 * (against the simulated API server) each give one line naming the server, what happened and what to check, exit 1;
 * never the same failure once per check, never the client's raw error with its headers.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiServerFailure } from "../../src/kube/errors.ts";
import { type RunningSimulatedCluster, startSimulatedCluster } from "../../src/sim/index.ts";
import { runCli } from "../support/run-cli.ts";

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as { port: number };
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

describe("diagnose: an API server that cannot be used", () => {
  let sim: RunningSimulatedCluster;
  let dir: string;

  beforeAll(async () => {
    sim = await startSimulatedCluster({ scenario: "healthy", port: 0, sshNodes: false, syncPeriodMs: 200 });
    dir = await mkdtemp(join(tmpdir(), "cni-doctor-diagnose-apiserver-"));
  }, 30_000);
  afterAll(async () => {
    await sim?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function diagnoseWith(kubeconfig: string, name: string, json = false) {
    const path = join(dir, name);
    await writeFile(path, kubeconfig, { mode: 0o600 });
    return runCli(["diagnose", "--kubeconfig", path, ...(json ? ["--json"] : [])]);
  }

  it("refused: one line naming the server and ECONNREFUSED, exit 1", async () => {
    const port = await closedPort();
    const kubeconfig = sim.kubeconfig().replace(/server: .*/, `server: https://127.0.0.1:${port}`);
    const r = await diagnoseWith(kubeconfig, "refused");
    expect(r.code, r.out + r.err).toBe(1);
    expect(r.out).toBe("");
    expect(r.err.trim().split("\n")).toHaveLength(1);
    expect(r.err).toMatch(
      new RegExp(
        `the API server https://127\\.0\\.0\\.1:${port} \\(context \\S+\\) cannot be reached: connection refused \\(ECONNREFUSED\\)\\. Check the kubeconfig's server address`,
      ),
    );
    expect(r.err).not.toMatch(/fetch failed/);
    // --json keeps its contract (the Diagnosis, errors included) and still exits 1 with the one line.
    const json = await diagnoseWith(kubeconfig, "refused-json", true);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.out).errors.length).toBeGreaterThan(1);
    expect(json.err.trim().split("\n")).toHaveLength(1);
  });

  it("a rejected token: one line with HTTP 401 and what to check, no headers, exit 1", async () => {
    const kubeconfig = sim.kubeconfig().replace(/token: .*/, "token: not-a-valid-token");
    const r = await diagnoseWith(kubeconfig, "bad-token");
    expect(r.code, r.out + r.err).toBe(1);
    expect(r.err.trim().split("\n")).toHaveLength(1);
    expect(r.err).toMatch(
      /rejected the credentials \(HTTP 401 Unauthorized\)\. Check the kubeconfig user's token/,
    );
    expect(r.err).not.toMatch(/Headers|audit-id|HTTP-Code/);
  });

  it("a CA that is not the server's: one line saying TLS verification failed, exit 1", async () => {
    const kubeconfig = sim.kubeconfig().replace(/certificate-authority-data: .*/, "");
    const r = await diagnoseWith(kubeconfig, "no-ca");
    expect(r.code, r.out + r.err).toBe(1);
    expect(r.err.trim().split("\n")).toHaveLength(1);
    expect(r.err).toMatch(
      /: TLS verification failed \([A-Z_]+\)\. Check that the kubeconfig's certificate-authority/,
    );
  });

  it("timeouts and a 403 on every check are one line too; mixed or partial failures are not", () => {
    const cluster = { server: "https://10.0.0.1:6443", context: "prod" };
    const forbidden = [
      {
        operation: "list pods in all namespaces",
        failure: "forbidden",
        message: "list pods in all namespaces: Forbidden (HTTP 403)",
      },
      { operation: "list nodes", failure: "forbidden", message: "list nodes: Forbidden (HTTP 403)" },
    ];
    expect(apiServerFailure(forbidden, false, cluster)?.line).toBe(
      "the API server https://10.0.0.1:6443 (context prod) refused every check (HTTP 403): cannot list pods in all namespaces (and 1 more check). Check the RBAC of the kubeconfig's user (kubectl auth can-i --list; the bot's rights are in manifests/rbac.yaml).",
    );
    const timeouts = forbidden.map((e) => ({
      ...e,
      failure: "timeout",
      message: "x: the API server did not answer in time",
    }));
    expect(apiServerFailure(timeouts, false, cluster)?.line).toMatch(
      /did not answer in time\. .*CNI_DOCTOR_KUBE_TIMEOUT_MS/,
    );
    expect(apiServerFailure(forbidden, true, cluster)).toBeNull();
    expect(
      apiServerFailure(
        [forbidden[0] as (typeof forbidden)[number], timeouts[1] as (typeof timeouts)[number]],
        false,
        cluster,
      ),
    ).toBeNull();
    expect(apiServerFailure([], false, cluster)).toBeNull();
  });
});
