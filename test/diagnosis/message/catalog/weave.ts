import type { CatalogMessage } from "./catalog-message.ts";

export const weave: CatalogMessage[] = [
  {
    source: "weaveworks/weave#3998",
    message: `Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "713ed7fc025a5dac1ebd36fb05fe22c1201539d5c734f5373cf512f7d22369ff": plugin type="weave-net" name="weave" failed (add): unable to allocate IP address: Post "http://127.0.0.1:6784/ip/713ed7fc025a5dac1ebd36fb05fe22c1201539d5c734f5373cf512f7d22369ff": dial tcp 127.0.0.1:6784: connect: connection refused`,
    family: "cni-agent-not-running",
    cni: "weave",
    phase: "add",
    runtime: "containerd",
    signature: "weave-agent-unreachable",
  },
  {
    source: "weaveworks/weave#2822",
    message: `E0228 14:21:50.538102     735 cni.go:255] Error adding network: unable to allocate IP address: Post http://127.0.0.1:6784/ip/28d43bd0bc62c2043819662c6bed43737d8ea20bf3b1ab3c804e73760603474e: dial tcp 127.0.0.1:6784: getsockopt: connection refused`,
    family: "cni-agent-not-running",
    cni: "weave",
    phase: "add",
    runtime: "unknown",
    signature: "weave-agent-unreachable",
  },
  {
    source: "coredns/coredns#5132",
    message: `Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "6442f901c7b286afedf57ab05f0caecb407b649cfed54235708e5a2cc6e1b7d4": plugin type="weave-net" name="weave" failed (add): unable to allocate IP address: Post "http://127.0.0.1:6784/ip/6442f901c7b286afedf57ab05f0caecb407b649cfed54235708e5a2cc6e1b7d4": dial tcp 127.0.0.1:6784: connect: connection refused.`,
    family: "cni-agent-not-running",
    cni: "weave",
    phase: "add",
    runtime: "containerd",
    signature: "weave-agent-unreachable",
  },
  {
    source: "apache/openwhisk-deploy-kube#339 (dockershim)",
    message: `Failed create pod sandbox: rpc error: code = Unknown desc = failed to set up sandbox container "48962fba9143b2244b125b06b14fdfbf3c3efcc170ff5967631ee87d539afab8" network for pod "controller-0": NetworkPlugin cni failed to set up pod "controller-0_openwhisk" network: unable to allocate IP address: Post http://127.0.0.1:6784/ip/48962fba9143b2244b125b06b14fdfbf3c3efcc170ff5967631ee87d539afab8: dial tcp 127.0.0.1:6784: connect: connection refused`,
    family: "cni-agent-not-running",
    cni: "weave",
    phase: "add",
    runtime: "dockershim",
    signature: "weave-agent-unreachable",
  },
  {
    source:
      "nre-learning/antidote-selfmedicate#71 (dockershim; Multus 3.x relaying weave-net, set-up and tear-down; wrapped as printed)",
    message: `Failed create pod sandbox: rpc error: code = Unknown desc = [failed to set up sandbox container "70145f85a2ee037987f91a1125678d4467e5bdcc17e4fa0c175ca25419a3ea2b" network for pod "aweb-7977f6bf4-wp5vz": NetworkPlugin cni failed to set up pod "aweb-7977f6bf4-wp5vz_default" network: Multus: Err in tearing down failed plugins: Multus: error in invoke Delegate add - "weave-net": unable to allocate IP address: Post http://127.0.0.1:6784/ip/70145f85a2ee037987f91a1125678d4467e5bdcc17e4fa0c175ca25419a3ea2b: dial tcp 127.0.0.1:6784: connect: connection refused, failed to clean up sandbox container "70145f85a2ee037987f91a1125678d4467e5bdcc17e4fa0c175ca25419a3ea2b" network for pod "aweb-7977f6bf4-wp5vz": NetworkPlugin cni failed to teardown pod "aweb-7977f6bf4-wp5vz_default" network: Multus: error in invoke Delegate del - "weave-net": Delete http://127.0.0.1:6784/ip/70145f85a2ee037987f91a1125678d4467e5bdcc17e4fa0c175c
a25419a3ea2b: dial tcp 127.0.0.1:6784: connect: connection refused]`,
    family: "cni-agent-not-running",
    cni: "weave",
    phase: "add",
    runtime: "dockershim",
    signature: "weave-agent-unreachable",
    wrappedBy: "multus",
  },
  {
    source:
      "weaveworks/weave#2640 (kubelet 1.4 event before CRI: dockershim's 'using network plugins \"cni\"')",
    message: String.raw`Error syncing pod, skipping: failed to "SetupNetwork" for "my-nginx-379829228-9xgsa_default" with SetupNetworkError: "Failed to setup network for pod \"my-nginx-379829228-9xgsa_default(c43a42fd-a9aa-11e6-a778-080027d95c6b)\" using network plugins \"cni\": unable to allocate IP address: Post http://127.0.0.1:6784/ip/cc0ad82ba90685498e80e1835b2bcf2b3b0057c50dfd093734c0745502383075: dial tcp 127.0.0.1:6784: getsockopt: connection refused; Skipping pod"`,
    family: "cni-agent-not-running",
    cni: "weave",
    phase: "add",
    runtime: "dockershim",
    signature: "weave-agent-unreachable",
  },
];
