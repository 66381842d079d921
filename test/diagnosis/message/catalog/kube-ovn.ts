import type { CatalogMessage } from "./catalog-message.ts";

export const kubeOvn: CatalogMessage[] = [
  {
    source: "cozystack/cozystack#452 (sandbox id elided in the issue)",
    message: `Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "<...>": plugin type="kube-ovn" failed (add): RPC failed; Post "http://dummy/api/v1/add": dial unix /run/openvswitch/kube-ovn-daemon.sock: connect: no such file or directory`,
    family: "cni-agent-not-running",
    cni: "kube-ovn",
    phase: "add",
    runtime: "containerd",
    signature: "kube-ovn-daemon-unreachable",
  },
  {
    source: "kubeovn/kube-ovn#323",
    message: `Failed to create pod sandbox: rpc error: code = Unknown desc = failed to set up sandbox container "e434c2f5902af718b1ee074806d7bec87ce9253e61c9f825c1c926f53590b3a8" network for pod "kube-ovn-pinger-946hc": networkPlugin cni failed to set up pod "kube-ovn-pinger-946hc_kube-system" network: Post "http://dummy/api/v1/add": dial unix /run/openvswitch/kube-ovn-daemon.sock: connect: no such file or directory`,
    family: "cni-agent-not-running",
    cni: "kube-ovn",
    phase: "add",
    runtime: "dockershim",
    signature: "kube-ovn-daemon-unreachable",
  },
  {
    source: "rancher/rke2#5543",
    message: String.raw`time="2024-03-03T05:07:34.223540833Z" level=error msg="RunPodSandbox for &PodSandboxMetadata{Name:kube-ovn-pinger-zj49w,Uid:9ddb57e4-f440-4920-b20a-a8b4c58f7d4d,Namespace:kube-system,Attempt:3,} failed, error" error="failed to setup network for sandbox \"e78d8c2b93687046d7a0a515437c770e387f8e9313bb82c09356413685899dd9\": plugin type=\"kube-ovn\" failed (add): RPC failed; Post \"http://dummy/api/v1/add\": dial unix /run/openvswitch/kube-ovn-daemon.sock: connect: no such file or directory"`,
    family: "cni-agent-not-running",
    cni: "kube-ovn",
    phase: "add",
    runtime: "containerd",
    signature: "kube-ovn-daemon-unreachable",
  },
  {
    source: "kubeovn/kube-ovn#218",
    message: `(combined from similar events): Failed to create pod sandbox: rpc error: code = Unknown desc = failed to set up sandbox container "52ffb35b343b88eb33ddb8a7641e662906eaf0c22df9d3994f4b349a121233b2" network for pod "sample-0": networkPlugin cni failed to set up pod "sample-0_dxp" network: request ip return 500 no available ip for pod dxp/sample-0`,
    family: "ip-exhausted",
    cni: "kube-ovn",
    phase: "add",
    runtime: "dockershim",
    signature: "kube-ovn-no-available-ip",
  },
];
