import { describe, expect, it } from "vitest";
import { classifyMessage } from "../classify-message.ts";

describe("host-local-range-exhausted", () => {
  it("dockershim", () => {
    // rancher/rancher#14504 (kubelet log line)
    const message = `E0711 15:11:17.994634   24727 remote_runtime.go:92] RunPodSandbox from runtime service failed: rpc error: code = Unknown desc = NetworkPlugin cni failed to set up pod "myzep-79945ccb7f-rz8ld_myzep" network: failed to allocate for range 0: no IP addresses available in range set: 10.42.0.1-10.42.0.254`;
    expect(classifyMessage(message)).toMatchObject({
      family: "ip-exhausted",
      cni: "host-local",
      phase: "add",
      runtime: "dockershim",
      signature: "host-local-range-exhausted",
      details: { pod: "myzep-79945ccb7f-rz8ld", namespace: "myzep" },
    });
  });

  it("CRI-O, nested in a kubelet CreatePodSandboxError with escaped quotes", () => {
    // cri-o/cri-o#2411
    const message = String.raw`Error syncing pod f4302d3d-3918-4d25-954d-5ed4e7ea9456 ("coredns-5c98db65d4-kggdw_kube-system(f4302d3d-3918-4d25-954d-5ed4e7ea9456)"), skipping: failed to "CreatePodSandbox" for "coredns-5c98db65d4-kggdw_kube-system(f4302d3d-3918-4d25-954d-5ed4e7ea9456)" with CreatePodSandboxError: "CreatePodSandbox for pod \"coredns-5c98db65d4-kggdw_kube-system(f4302d3d-3918-4d25-954d-5ed4e7ea9456)\" failed: rpc error: code = Unknown desc = failed to create pod network sandbox k8s_coredns-5c98db65d4-kggdw_kube-system_f4302d3d-3918-4d25-954d-5ed4e7ea9456_0(a7bdffefc0d9ade135d5f7051ab700db2a2e315673e8df7df10a4cb61de3dd64): failed to allocate for range 0: no IP addresses available in range set: 172.24.1.1-172.24.1.254"`;
    expect(classifyMessage(message)).toMatchObject({
      family: "ip-exhausted",
      cni: "host-local",
      phase: "add",
      runtime: "cri-o",
      pluginError:
        "failed to allocate for range 0: no IP addresses available in range set: 172.24.1.1-172.24.1.254",
      details: { pod: "coredns-5c98db65d4-kggdw", namespace: "kube-system" },
    });
  });

  it("GKE containerd, no plugin type printed", () => {
    // kubernetes/test-infra#13039
    const message = `(combined from similar events): Failed create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "d95583cbeed6d3b9d62b20b2368abe148dc810a2e2af55388f74623abc2ee9d5": failed to allocate for range 0: no IP addresses available in range set: 10.60.28.1-10.60.28.254`;
    expect(classifyMessage(message)).toMatchObject({
      family: "ip-exhausted",
      phase: "add",
      runtime: "containerd",
      signature: "host-local-range-exhausted",
    });
  });
});
