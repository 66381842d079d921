import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.ts";
import { hasControlCharacter } from "../../src/diagnosis/index.ts";

/** Runs the CLI in-process with the given stdin content (or a TTY with nothing on it). */
async function run(argv: string[], stdinText?: string) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const stdin = Object.assign(new PassThrough(), { isTTY: stdinText === undefined });
  let out = "";
  let err = "";
  stdout.on("data", (d) => (out += d));
  stderr.on("data", (d) => (err += d));
  if (stdinText !== undefined) stdin.end(stdinText);
  const code = await main(argv, { stdout, stderr, stdin, env: {} });
  return { code, out, err };
}

// projectcalico/calico#9215
const CALICO_UNAUTHORIZED = `Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "b6385006e8b3eedeaa1fd60e3e69afc9fb758a27666c93708a9211b3c988ab34": plugin type="calico" failed (add): error getting ClusterInformation: connection is unauthorized: Unauthorized`;
// flannel-io/flannel#2253
const FLANNEL_AGENT = `Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "3c05350cf5717b9bcf92a63ffafb7a3d27bd5ad1880de39272e72aa1661e637e": plugin type="flannel" failed (add): loadFlannelSubnetEnv failed: open /run/flannel/subnet.env: no such file or directory`;
// projectcalico/calico#4323
const SCHEDULING = `0/131 nodes are available: 100 Insufficient cpu, 4 Insufficient memory.`;

describe("cni-doctor explain", () => {
  it("explains a message in plain words", async () => {
    const r = await run(["explain", CALICO_UNAUTHORIZED]);
    expect(r.code).toBe(0);
    expect(r.out).toContain(
      "cni-credentials-rejected: The CNI plugin's API credentials were rejected (HTTP 401)",
    );
    expect(r.out).toContain("CNI: calico");
    expect(r.out).toContain("phase: add");
    expect(r.out).toContain("runtime: containerd");
    expect(r.out).toContain("Likely causes:");
    expect(r.out).toContain("What to check (read-only):");
    expect(r.out).toContain(
      "$ kubectl get pods -A -l k8s-app=calico-node -o wide --field-selector spec.nodeName=<node>",
    );
    expect(r.out).toMatch(/Can cni-doctor fix it\? Yes, after approval/);
  });

  it("says when a human must act", async () => {
    // kubernetes/kubernetes#76070
    const bridge = `Failed create pod sandbox: rpc error: code = Unknown desc = failed to set up sandbox container "3603dc72589a415f2946505141e8712d31242c5b0cfe5f25299c8e611897f583" network for pod "nginx-deployment-shiva2-779f798fbd-h4vlk": NetworkPlugin cni failed to set up pod "nginx-deployment-shiva2-779f798fbd-h4vlk_default" network: failed to set bridge addr: "cni0" already has an IP address different from 10.244.1.1/24`;
    const r = await run(["explain", bridge]);
    expect(r.out).toContain("bridge-address-conflict");
    expect(r.out).toContain("Can cni-doctor fix it? No.");
    expect(r.out).toContain("pod: default/nginx-deployment-shiva2-779f798fbd-h4vlk");
  });

  it("says yes for a Weave agent down (its restart is planned), with the crash-loop limit and Weave's own checks", async () => {
    // weaveworks/weave#3998
    const weave = `Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "713ed7fc025a5dac1ebd36fb05fe22c1201539d5c734f5373cf512f7d22369ff": plugin type="weave-net" name="weave" failed (add): unable to allocate IP address: Post "http://127.0.0.1:6784/ip/713ed7fc025a5dac1ebd36fb05fe22c1201539d5c734f5373cf512f7d22369ff": dial tcp 127.0.0.1:6784: connect: connection refused`;
    const r = await run(["explain", weave]);
    expect(r.out).toContain("CNI: weave");
    expect(r.out).toContain(
      "Can cni-doctor fix it? Yes, after approval: cni-doctor restarts weave-net on the node (deleting its pod, which its DaemonSet replaces)",
    );
    expect(r.out).toContain("Not when the agent is crash-looping or cannot pull its image");
    expect(r.out).toContain("weave --local status");
  });

  it("names both Multus and the delegate whose error it relayed", async () => {
    // Constructed: kubeovn/kube-ovn#4730's delegate error inside multus-cni#1165's multus-shim wrapper.
    const wrapped = `Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "4468be044f22223208b097e751dffe8117808110d1cf70b108938614e554da4e": plugin type="multus-shim" name="multus-cni-network" failed (add): CmdAdd (shim): CNI request failed with status 400: '[kube-system/kube-ovn-pinger-9j4ns/81f80646-cbc6-41bf-af69-86251b65fe99:kube-ovn]: error adding container to network "kube-ovn": plugin type="kube-ovn" failed (add): RPC failed; Post "http://dummy/api/v1/add": dial unix /run/openvswitch/kube-ovn-daemon.sock: connect: no such file or directory'`;
    const r = await run(["explain", wrapped]);
    expect(r.out).toContain("CNI: kube-ovn (relayed by multus)");
    expect(r.out).toContain("kube-ovn-daemon.sock");
  });

  it("classifies each argument, --json: one object per line", async () => {
    const r = await run(["explain", "--json", CALICO_UNAUTHORIZED, SCHEDULING]);
    expect(r.code).toBe(0);
    const lines = r.out
      .trimEnd()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({
      family: "cni-credentials-rejected",
      cni: "calico",
      phase: "add",
      runtime: "containerd",
      signature: "calico-unauthorized",
      truncated: false,
    });
    expect(lines[0].input.length).toBeLessThanOrEqual(200);
    expect(lines[1]).toMatchObject({ family: "unknown", cni: "unknown", phase: "none", runtime: "unknown" });
  });

  it("reads one message per line from stdin and skips blank lines", async () => {
    const r = await run(["explain", "--json"], `${CALICO_UNAUTHORIZED}\n\n   \n${FLANNEL_AGENT}\r\n`);
    expect(r.code).toBe(0);
    const families = r.out
      .trimEnd()
      .split("\n")
      .map((line) => JSON.parse(line).family);
    expect(families).toEqual(["cni-credentials-rejected", "cni-agent-not-running"]);
  });

  it("numbers the messages it reads from stdin in human output", async () => {
    const r = await run(["explain"], `${CALICO_UNAUTHORIZED}\n${FLANNEL_AGENT}\n`);
    expect(r.out).toContain("Message 1: Failed to create pod sandbox");
    expect(r.out).toContain("Message 2: Failed to create pod sandbox");
    expect(r.out).toContain("cni-agent-not-running: The node-local CNI agent is absent or down");
  });

  it("never echoes terminal control sequences from the input", async () => {
    const hostile = CALICO_UNAUTHORIZED.replace("Unauthorized", "Unauthorized\u001b]0;pwned\u0007\u009b2J");
    const human = await run(["explain", hostile]);
    const json = await run(["explain", "--json", hostile]);
    for (const output of [human.out, json.out]) {
      expect(output.split("\n").some(hasControlCharacter)).toBe(false);
    }
  });

  it("asks for input instead of waiting on an interactive terminal", async () => {
    const r = await run(["explain"]);
    expect(r.code).toBe(2);
    expect(r.err).toContain("give a message to explain");
  });

  it("is listed in --help", async () => {
    const r = await run(["--help"]);
    expect(r.out).toMatch(/explain\s+Explain a pod-network \(CNI\) event message/);
  });
});
