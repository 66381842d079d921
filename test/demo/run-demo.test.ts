/**
 * `npm run demo`: the incident's story told through the real bot, the local Slack and the simulated cluster. The story's
 * key lines appear in order, the cluster ends healed (read from the simulated cluster itself, not from the output),
 * nothing secret is printed, and the command behaves as the README says (exit codes, unknown scenario, run time).
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { type DemoResult, runDemo } from "../../src/demo/run-demo.ts";
import { NO_STYLE } from "../../src/demo/slack-text.ts";
import type { DemoWorld } from "../../src/demo/world.ts";
import { runCli } from "../support/run-cli.ts";

const REPO = new URL("../../", import.meta.url).pathname;

interface Told {
  result: DemoResult;
  out: string;
  err: string;
  secrets: string[];
  pods: { name: string; phase: string; ip?: string }[];
  endpointIps: string[];
}

/** Runs the demo in-process and reads the workload's pods and endpoints from the cluster before it stops. */
async function tell(
  scenario: string,
  nodeAccess: "kubernetes" | "ssh" = "kubernetes",
  proactive = false,
): Promise<Told> {
  let out = "";
  let err = "";
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  stdout.on("data", (d) => (out += d));
  stderr.on("data", (d) => (err += d));
  let secrets: string[] = [];
  let pods: Told["pods"] = [];
  let endpointIps: string[] = [];
  const result = await runDemo({
    scenario,
    nodeAccess,
    ...(proactive ? { proactive: true } : {}),
    stdout,
    stderr,
    style: NO_STYLE,
    inspect: (world: DemoWorld) => {
      secrets = world.secrets();
      pods = world.sim.store
        .list("pods", "default")
        .filter((p) => p.metadata.labels?.app === "redis")
        .map((p) => ({
          name: p.metadata.name,
          phase: String(p.status?.phase),
          ...(p.status?.podIP ? { ip: String(p.status.podIP) } : {}),
        }));
      const ep = world.sim.store.get("endpoints", "default", "redis-master") as {
        subsets?: { addresses?: { ip: string }[] }[];
      };
      endpointIps = (ep.subsets ?? []).flatMap((s) => (s.addresses ?? []).map((a) => a.ip));
    },
  });
  return { result, out, err, secrets, pods, endpointIps };
}

/** Each expected line appears after the one before it. */
function expectInOrder(text: string, lines: (string | RegExp)[]): void {
  let from = 0;
  for (const line of lines) {
    const rest = text.slice(from);
    const match = typeof line === "string" ? rest.indexOf(line) : rest.search(line);
    expect(
      match,
      `expected, after offset ${from}: ${String(line)}\n--- output ---\n${text}`,
    ).toBeGreaterThanOrEqual(0);
    from += match + 1;
  }
}

function expectNoSecrets(told: Told): void {
  const printed = told.out + told.err;
  expect(told.secrets.length).toBeGreaterThan(4);
  for (const secret of told.secrets) expect(printed).not.toContain(secret);
  expect(printed).not.toMatch(/xox[abp]-|xapp-|BEGIN OPENSSH PRIVATE KEY|eyJhbGciOi/);
}

function expectHealed(told: Told): void {
  expect(told.pods.length).toBe(2);
  for (const p of told.pods) expect(p.phase).toBe("Running");
  expect(told.endpointIps.sort()).toEqual(told.pods.map((p) => p.ip).sort());
}

/** The demo ended healed, told the story's lines in order, the cluster is healed and nothing secret was printed. */
function expectHealedStory(told: Told, story: (string | RegExp)[]): void {
  expect(told.err).toBe("");
  expect(told.result.exitCode).toBe(0);
  expect(told.result.outcome).toBe("healed");
  expectInOrder(told.out, story);
  expectHealed(told);
  expectNoSecrets(told);
}

describe("npm run demo", () => {
  it("tells the first incident (stale-cni-config) through the bot in Slack and heals the cluster", async () => {
    const told = await tell("stale-cni-config");
    expectHealedStory(told, [
      "kubectl apply -k manifests/",
      "as system:serviceaccount:cni-doctor:cni-doctor",
      "@alice in #incident-stale-cni-config types  /cni diagnose",
      "acked in",
      // The parent message: cluster (context, API server, short CA fingerprint), who asked, status in place.
      "cni-doctor in #incident-stale-cni-config",
      "cni-doctor `diagnose (sim-stale-cni-config)` asked by @alice",
      "diagnosing…",
      /cluster `sim-stale-cni-config` · https:\/\/127\.0\.0\.1:\d+ · CA `[0-9a-f]{12}`/,
      // The card in the thread, the channel message's status, then the evidence on Details.
      "cni-doctor in the thread",
      "`stale-cni-config` on `k8s-worker1`, `k8s-worker2`",
      "[ Fix… ]  [ Details ]",
      "updates its message of",
      "+ 🔴 1 finding: 2 stuck pods on 2 nodes (`stale-cni-config`)",
      "@alice clicks  [ Details ]",
      "Finding 1 of 1: 2 pods stuck on 2 nodes",
      "root cause `stale-cni-config`",
      "FailedCreatePodSandBox",
      "connection is unauthorized: Unauthorized",
      "not this cluster's CA",
      // The fix request and the plan: a line per node, blast radius, expiry, buttons.
      "@alice in the thread writes  @cni-doctor fix",
      "Proposed fix",
      "Blast radius: 2 nodes (`k8s-worker1`, `k8s-worker2`)",
      "• `k8s-worker1`: move `10-calico.conflist`, `calico-kubeconfig` aside (kept), restart `calico-node`, recycle 1 stuck pod",
      /Expires \d\d:\d\d:\d\d \(in 15 min\)/,
      "[ Approve ]  [ Dry run ]  [ Reject ]  [ Show commands ]",
      // The approver reads the exact commands. They run in agent pods, as deployed: no sudo, no SSH.
      "@bob clicks  [ Show commands ]",
      "Commands of run",
      "kubectl exec -n cni-doctor-nodes <agent pod on k8s-worker1> -- mv -n -t /var/lib/cni-doctor/backup/",
      "Restart calico-node on k8s-worker1",
      "Delete the 1 stuck pod on k8s-worker1",
      // The two-person rule, then the approver.
      "@alice clicks  [ Approve ]",
      "only @alice sees this",
      "two-person rule",
      "@bob clicks  [ Approve ]",
      "+ ✅ Approved by @bob",
      "- [ Approve ]  [ Dry run ]  [ Reject ]",
      // Progress: one message updated in place (no reply for a healed node), the summary with the verification.
      "Running the fix: 0 of 7 steps done",
      "[ Stop ]",
      /✅ \d+\. Restart calico-node on k8s-worker1/,
      /✅ \d+\. Restart calico-node on k8s-worker2/,
      "Fix succeeded",
      "Verification passed",
      "pods Running and Ready",
      "Service endpoints ready: endpoints default/redis-master",
      "fresh diagnosis: healthy",
      // The cluster read back, and the bot's conduct.
      "$ kubectl get pods -n default -l app=redis -o wide",
      "$ kubectl get endpoints redis-master -n default",
      /redis-master {2}192\.168\.\d+\.\d+:6379,192\.168\.\d+\.\d+:6379/,
      "✔ 2/2 pods Running and Ready, every one listed in the endpoints",
      "every one allowed by manifests/rbac.yaml",
      "0 over Block Kit limits, 0 refused",
      "no token, key or signing secret",
      /✔ demo finished in \d+\.\d s/,
    ]);
    // Exactly one progress message; the stuck pods were replaced, not restarted in place.
    expect(told.out.match(/┊ Running the fix: /g)?.length).toBe(1);
    expect(told.out).toMatch(
      /updates its message of \+\d+\.\ds in place\n\s+┊ \+ Running the fix: \d of 7 steps done/,
    );
    for (const ip of told.endpointIps) expect(told.out).toContain(`${ip}:6379`);
    expect(told.out).not.toContain("\u001b[");
  });

  it("tells expired-token: only k8s-worker2 is restarted and healed", async () => {
    const told = await tell("expired-token");
    expectHealedStory(told, [
      "@alice in #incident-expired-token types  /cni diagnose",
      "root cause `cni-token-expired`",
      "@alice in the thread writes  @cni-doctor fix",
      "Blast radius: 1 node (`k8s-worker2`)",
      "Restart calico-node on k8s-worker2",
      "[ Approve ]",
      "@bob clicks  [ Approve ]",
      /✅ \d+\. Restart calico-node on k8s-worker2/,
      "Fix succeeded",
      "fresh diagnosis: healthy",
      "✔ 2/2 pods Running and Ready, every one listed in the endpoints",
      /✔ demo finished/,
    ]);
    expect(told.out).not.toMatch(/Restart calico-node on k8s-worker1/);
  });

  it("tells cilium-agent-down: the not-Ready cilium agent's pod is deleted, its DaemonSet's replacement serves", async () => {
    const told = await tell("cilium-agent-down");
    expectHealedStory(told, [
      "@alice in #incident-cilium-agent-down types  /cni diagnose",
      "CNI agents: `kube-system/cilium`",
      "root cause `cni-agent-not-running`",
      "cilium pod cilium-",
      "is not Ready (Running), 0 restarts",
      "@alice in the thread writes  @cni-doctor fix",
      "Blast radius: 1 node (`k8s-worker1`)",
      /Restart cilium on k8s-worker1 by deleting pod kube-system\/cilium-[a-z0-9]{5}, only if a DaemonSet controls it/,
      "@bob clicks  [ Approve ]",
      /✅ \d+\. Restart cilium on k8s-worker1/,
      "Fix succeeded",
      "fresh diagnosis: healthy",
      /✔ demo finished/,
    ]);
    expect(told.out).not.toContain("Restart calico-node");
  });

  it("tells leftover-multus-config: 00-multus.conf is moved aside (kept), nothing is restarted", async () => {
    const told = await tell("leftover-multus-config");
    expectHealedStory(told, [
      "@alice in #incident-leftover-multus-config types  /cni diagnose",
      "root cause `shadowing-cni-config`",
      "dial unix /run/multus/multus.sock: connect: no such file or directory",
      "The runtime uses /etc/cni/net.d/00-multus.conf (multus, plugins multus-shim)",
      "No multus agent is deployed",
      "/etc/cni/net.d/multus.d (where multus keeps its kubeconfig) is gone.",
      "10-calico.conflist (calico) sorts after it and is never used.",
      "@alice in the thread writes  @cni-doctor fix",
      /1\. Move 00-multus\.conf from \/etc\/cni\/net\.d on k8s-worker1 into \/var\/lib\/cni-doctor\/backup\/[0-9a-f]{16} \(kept, never deleted\)/,
      "@bob clicks  [ Approve ]",
      /✅ 1\. Move 00-multus\.conf/,
      "Fix succeeded",
      "fresh diagnosis: healthy",
      /✔ demo finished/,
    ]);
    expect(told.out).not.toMatch(/Restart \S+ on k8s-worker1/);
  });

  it("tells the proactive path with --proactive: nobody types, the bot opens the thread, @alice Fix…, @bob approves", async () => {
    const told = await tell("stale-cni-config", "kubernetes", true);
    expectHealedStory(told, [
      "cni-doctor in #incident-stale-cni-config",
      "cni-doctor incident: CNI failures seen in the cluster",
      "🔴 1 finding: 2 stuck pods on 2 nodes (`stale-cni-config`)",
      "[ Fix… ]  [ Details ]",
      "@alice clicks  [ Details ]",
      "not this cluster's CA",
      "@alice clicks  [ Fix… ]",
      "requested by @alice",
      "@bob clicks  [ Show commands ]",
      "@alice clicks  [ Approve ]",
      "two-person rule",
      "@bob clicks  [ Approve ]",
      "Fix succeeded",
      /✔ demo finished/,
    ]);
    expect(told.out).not.toMatch(/types {2}\/cni/);
    expect(told.out).not.toContain("writes  @cni-doctor");
  });

  it("keeps the SSH story with --node-access ssh: nodes are sshd servers, commands run behind sudo -n", async () => {
    const told = await tell("expired-token", "ssh");
    expectHealedStory(told, [
      "each an SSH server with its own host key",
      "Restart calico-node on k8s-worker2",
      "@bob clicks  [ Approve ]",
      /✅ \d+\. Restart calico-node on k8s-worker2/,
      /✔ demo finished/,
    ]);
    expect(told.out).not.toContain("kubectl exec -n cni-doctor-nodes");
  });
});

describe("cni-doctor demo (the command)", () => {
  const run = runCli;

  it("on a healthy cluster says so and stops at the diagnosis, exit 0", async () => {
    const r = await run(["demo", "--scenario", "healthy"]);
    expect(r.code, r.err).toBe(0);
    expectInOrder(r.out, [
      "/cni diagnose",
      "✅ healthy: no pod is stuck",
      "✔ 2/2 pods Running",
      "✔ demo finished",
    ]);
    expect(r.out).not.toContain("@cni-doctor fix");
  });

  it("refuses an unknown scenario with exit 2 and the list", async () => {
    const r = await run(["demo", "--scenario", "no-such-thing"]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('unknown scenario "no-such-thing"');
    expect(r.err).toContain("stale-cni-config");
    expect(r.err).toContain("expired-token");
    expect(r.out).toBe("");
  });

  it("runs as `node bin/cni-doctor.js demo` on plain Node in well under a minute and exits 0", async () => {
    const started = Date.now();
    const child = spawn(join(REPO, "node_modules/.bin/node"), [join(REPO, "bin/cni-doctor.js"), "demo"], {
      cwd: REPO,
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
    const seconds = (Date.now() - started) / 1000;
    expect(code, `${out}\n${err}`).toBe(0);
    expect(out).toContain("✔ demo finished");
    expect(seconds).toBeLessThan(60);
  });
});
