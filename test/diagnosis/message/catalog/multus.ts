import type { CatalogMessage } from "./catalog-message.ts";

export const multus: CatalogMessage[] = [
  {
    source: "k8snetworkplumbingwg/multus-cni#564 (k3s)",
    message: `Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "941fec2ff81a14c29ccad5db69130a03986bc1751f4945b4eb1c704a921504e7": Multus: [default/nettools-multus-86b7f46f97-942dl]: error getting pod: Unauthorized`,
    family: "cni-credentials-rejected",
    cni: "multus",
    phase: "add",
    runtime: "containerd",
    signature: "apiserver-unauthorized",
  },
  {
    source: "k8snetworkplumbingwg/multus-cni#1094",
    message: `Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "bc5e100744cc3e7524cb98ba0e056cb81bad97b85a8c9441602bf92ef4edfff5": Multus: [default/preferred-nodeaffinity-deploy-8599b9d4c8-5czz6/a47656c9-a43f-4f78-b337-fde316150fa9]: error getting pod: Unauthorized`,
    family: "cni-credentials-rejected",
    cni: "multus",
    phase: "add",
    runtime: "containerd",
    signature: "apiserver-unauthorized",
  },
  {
    source: "k8snetworkplumbingwg/multus-cni#1165",
    message: `Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "6c4a6506c729250579fb62102b7044b98d809835fcf0c3fd7b78eb0c952f73f3": plugin type="multus-shim" name="multus-cni-network" failed (add): CmdAdd (shim): failed to send CNI request: Post "http://dummy/cni": dial unix /run/multus/multus.sock: connect: connection refused`,
    family: "cni-agent-not-running",
    cni: "multus",
    phase: "add",
    runtime: "containerd",
    signature: "multus-daemon-unreachable",
  },
  {
    source: "Mellanox/network-operator#1363",
    message: `Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "c1dbf1d229d550be97df0a23973f9827ed6101062cad98b739dc6ea0daf2c339": plugin type="multus" name="multus-cni-network" failed (add): Multus: [default/ibtest-7bcb79db58-ssdsp/4573f52c-7caa-4161-9025-8553985a537a]: error waiting for pod: Unauthorized`,
    family: "cni-credentials-rejected",
    cni: "multus",
    phase: "add",
    runtime: "containerd",
    signature: "apiserver-unauthorized",
  },
  {
    source:
      "k8snetworkplumbingwg/multus-cni#1072 (comment; thick Multus found no delegate config; cut short with ... and wrapped as the reporter pasted it)",
    message: `Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "11ce5f00d56f731f8eada3b7cef6e743f8873ddae8e91
527d1d400cd457c1eff": plugin type="multus-shim" name="multus-cni-network" failed (add): CmdAdd (shim): CNI request failed with status 400: '&{...} ERRORED: error configuring pod [default/alpine-whsll] net
working: Multus: [default/alpine-whsll/9ca09698-bfdb-4b2c-b26a-dbbf6618f787]: error loading k8s delegates k8s args: TryLoadPodDelegates: error in getting k8s network for pod: GetNetworkDelegates: failed getting t
he delegate: GetCNIConfig: err in GetCNIConfigFromFile: No networks found in /host/etc/cni/net.d...`,
    family: "cni-config-missing",
    cni: "multus",
    phase: "add",
    runtime: "containerd",
    signature: "cni-config-uninitialized",
  },
  {
    source:
      "k8snetworkplumbingwg/multus-cni#386 (dockershim; Multus 3.x relaying a missing macvlan binary, set-up and tear-down)",
    message: `Failed create pod sandbox: rpc error: code = Unknown desc = [failed to set up sandbox container "7caa536a060bf581160dfade36a0a48ad13dff796ea6e281682e73fe3d1b7dc2" network for pod "samplepod": NetworkPlugin cni failed to set up pod "samplepod_default" network: Multus: Err adding pod to network "macvlan-conf": Multus: error in invoke Delegate add - "macvlan": failed to find plugin "macvlan" in path [/opt/cni/bin], failed to clean up sandbox container "7caa536a060bf581160dfade36a0a48ad13dff796ea6e281682e73fe3d1b7dc2" network for pod "samplepod": NetworkPlugin cni failed to teardown pod "samplepod_default" network: Multus: error in invoke Delegate del - "macvlan": failed to find plugin "macvlan" in path [/opt/cni/bin]]`,
    family: "cni-plugin-missing",
    cni: "macvlan",
    phase: "add",
    runtime: "dockershim",
    signature: "cni-plugin-not-found",
    wrappedBy: "multus",
  },
  {
    source: "k8snetworkplumbingwg/multus-cni#49 (kubelet log; Multus relaying flannel)",
    message: `Apr  8 07:20:41 k8dind2 kubelet: E0408 07:20:41.043438   31024 remote_runtime.go:92] RunPodSandbox from runtime service failed: rpc error: code = Unknown desc = NetworkPlugin cni failed to set up pod "nginx-whjjm_default" network: Multus: error in invoke Delegate add - "flannel": open /run/flannel/subnet.env: no such file or directory`,
    family: "cni-agent-not-running",
    cni: "flannel",
    phase: "add",
    runtime: "dockershim",
    signature: "flannel-subnet-env-missing",
    wrappedBy: "multus",
  },
  {
    source: "k8snetworkplumbingwg/multus-cni#3 (kubelet FailedSync event of 2017; Multus relaying flannel)",
    message: String.raw`Error syncing pod, skipping: failed to "CreatePodSandbox" for "kube-dns-692378583-bj9cf_kube-system(b71ca371-5bfd-11e7-8c73-525400ba512b)" with CreatePodSandboxError: "CreatePodSandbox for pod \"kube-dns-692378583-bj9cf_kube-system(b71ca371-5bfd-11e7-8c73-525400ba512b)\" failed: rpc error: code = 2 desc = NetworkPlugin cni failed to set up pod \"kube-dns-692378583-bj9cf_kube-system\" network: Multus: error in invoke Delegate add - \"flannel\": open /run/flannel/subnet.env: no such file or directory"`,
    family: "cni-agent-not-running",
    cni: "flannel",
    phase: "add",
    runtime: "dockershim",
    signature: "flannel-subnet-env-missing",
    wrappedBy: "multus",
  },
  {
    source: "k8snetworkplumbingwg/multus-cni#621 (GKE: the multus binary not in the node's CNI bin dir)",
    message: `Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "bc0ff5692ad04a6d1774a6c376b017d61b723f87b8624c77bb5e04737a507600": failed to find plugin "multus" in path [/home/kubernetes/bin]`,
    family: "cni-plugin-missing",
    cni: "multus",
    phase: "add",
    runtime: "containerd",
    signature: "cni-plugin-not-found",
  },
];
