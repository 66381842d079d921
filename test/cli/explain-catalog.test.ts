/**
 * `cni-doctor explain --json` on the catalog's own messages, one per CNI-specific signature added for issue 15, and on
 * traps: family, CNI and phase as the catalog's tests say, one JSON object per line in the order given.
 */
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.ts";

async function explainJson(messages: string[]) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const stdin = Object.assign(new PassThrough(), { isTTY: true });
  let out = "";
  stdout.on("data", (d) => (out += d));
  const code = await main(["explain", "--json", ...messages], { stdout, stderr, stdin, env: {} });
  return {
    code,
    lines: out
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line)),
  };
}

const CASES: { source: string; message: string; family: string; cni: string; phase: string }[] = [
  {
    source: "Azure/AKS#4342",
    message: `Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox '3e16c561e9d521f52cd10e2a61965d2e063c27ac336f465aeee50eb77c055935': plugin type='azure-vnet' failed (add): IPAM Invoker Add failed with error: Failed to get IP address from CNS with error: %w: http request failed: Post 'http://localhost:10090/network/requestipconfig': dial tcp 127.0.0.1:10090: connect: connection refused`,
    family: "cni-agent-not-running",
    cni: "azure",
    phase: "add",
  },
  {
    source: "kubernetes/kubernetes#107127",
    message: `Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "3d86404cbfedf687310a59c6ff4f6607263be0add828e0cb6da456512845c67b": rpc error: code = Unavailable desc = connection error: desc = "transport: Error while dialing dial unix /var/run/antrea/cni.sock: connect: no such file or directory"`,
    family: "cni-agent-not-running",
    cni: "antrea",
    phase: "add",
  },
  {
    source: "cozystack/cozystack#452",
    message: `Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "<...>": plugin type="kube-ovn" failed (add): RPC failed; Post "http://dummy/api/v1/add": dial unix /run/openvswitch/kube-ovn-daemon.sock: connect: no such file or directory`,
    family: "cni-agent-not-running",
    cni: "kube-ovn",
    phase: "add",
  },
  {
    source: "kubeovn/kube-ovn#218",
    message: `Failed to create pod sandbox: rpc error: code = Unknown desc = failed to set up sandbox container "52ffb35b343b88eb33ddb8a7641e662906eaf0c22df9d3994f4b349a121233b2" network for pod "sample-0": networkPlugin cni failed to set up pod "sample-0_dxp" network: request ip return 500 no available ip for pod dxp/sample-0`,
    family: "ip-exhausted",
    cni: "kube-ovn",
    phase: "add",
  },
  {
    source: "k8snetworkplumbingwg/multus-cni#1165",
    message: `Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "6c4a6506c729250579fb62102b7044b98d809835fcf0c3fd7b78eb0c952f73f3": plugin type="multus-shim" name="multus-cni-network" failed (add): CmdAdd (shim): failed to send CNI request: Post "http://dummy/cni": dial unix /run/multus/multus.sock: connect: connection refused`,
    family: "cni-agent-not-running",
    cni: "multus",
    phase: "add",
  },
  {
    source: "cilium/cilium#39091",
    message: `Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "f225b469bb840512e3fd2c78e4e2dcef06cedf8e4b0caf09a62db002ccd54a17": plugin type="cilium-cni" failed (add): unable to create endpoint: Cilium API client timeout exceeded`,
    family: "cni-agent-not-running",
    cni: "cilium",
    phase: "add",
  },
  {
    source: "flannel-io/flannel#890",
    message: `StopPodSandbox "8046a5441a0f18637c643665d0d7bbf77ced11a0e987f9ee1f633e8e95afe952" from runtime service failed: rpc error: code = Unknown desc = NetworkPlugin cni failed to teardown pod "kube-dns-545bc4bfd4-sbhpp_kube-system" network: failed to find plugin "portmap" in path [/opt/flannel/bin /opt/cni/bin]`,
    family: "cni-plugin-missing",
    cni: "portmap",
    phase: "delete",
  },
  {
    source: "kubernetes-retired/dashboard#6417",
    message: `Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "adf18a2d394b3355e50ce339b2ec0c52e05a71e727f11a043e7e967ecf2ac9f6": failed to find plugin "flannel" in path [/opt/cni/bin]`,
    family: "cni-plugin-missing",
    cni: "flannel",
    phase: "add",
  },
  {
    source: "kubernetes/kubernetes#131071",
    message: `Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "40d7bc158517c6954d0e8f1ba2bbc04e376e3123ab38227d6a601b7b1bb48ccf": plugin type="aws-cni" name="aws-cni" failed (add): add cmd: failed to assign an IP address to container`,
    family: "ip-exhausted",
    cni: "aws-vpc-cni",
    phase: "add",
  },
  {
    source: "rancher/k3os#155 (trap: a pause image pull timing out)",
    message: `RunPodSandbox from runtime service failed: rpc error: code = Unknown desc = failed to get sandbox image "k8s.gcr.io/pause:3.1": failed to pull image "k8s.gcr.io/pause:3.1": failed to resolve image "k8s.gcr.io/pause:3.1": no available registry endpoint: failed to do request: Head https://k8s.gcr.io/v2/pause/manifests/3.1: dial tcp 74.125.203.82:443: i/o timeout`,
    family: "unknown",
    cni: "unknown",
    phase: "none",
  },
  {
    source: "kubeovn/kube-ovn#2646 (trap: an ARP probe's i/o timeout is not an unreachable API server)",
    message: `Failed to create sandbox for pod "coredns-565d847f94-j78sv_kube-system(6732bb83-9823-4a89-bfd8-e3c93ee5d0db)": rpc error: code = Unknown desc = failed to setup network for sandbox "7148a21b2f843ac0ad3d9204df237780dc3080dd4cad3c418671393517331e26": plugin type="kube-ovn" failed (add): RPC failed; request ip return 500 configure nic failed network 192.168.72.203/24 with gateway 192.168.72.8 is not ready for interface eth0 after 200 checks: resolve MAC address of 192.168.72.8 timeout: read packet 00:00:00:67:95:54: i/o timeout`,
    family: "unknown",
    cni: "kube-ovn",
    phase: "add",
  },
];

describe("explain --json on the catalog's own messages", () => {
  it("gives each message's family, CNI and phase, traps staying traps", async () => {
    const { code, lines } = await explainJson(CASES.map((c) => c.message));
    expect(code).toBe(0);
    expect(lines).toHaveLength(CASES.length);
    CASES.forEach((c, i) => {
      expect(lines[i], c.source).toMatchObject({ family: c.family, cni: c.cni, phase: c.phase });
    });
  });
});
