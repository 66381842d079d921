import { describe, expect, it } from "vitest";
import { classifyMessage } from "../classify-message.ts";

describe("apiserver-unauthorized", () => {
  it("Multus, containerd error before the plugin wrapper", () => {
    // k8snetworkplumbingwg/multus-cni#1094
    const message = `Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "bc5e100744cc3e7524cb98ba0e056cb81bad97b85a8c9441602bf92ef4edfff5": Multus: [default/preferred-nodeaffinity-deploy-8599b9d4c8-5czz6/a47656c9-a43f-4f78-b337-fde316150fa9]: error getting pod: Unauthorized`;
    expect(classifyMessage(message)).toMatchObject({
      family: "cni-credentials-rejected",
      cni: "multus",
      phase: "add",
      runtime: "containerd",
      signature: "apiserver-unauthorized",
      details: { pod: "preferred-nodeaffinity-deploy-8599b9d4c8-5czz6", namespace: "default" },
    });
  });

  it("Calico's bare Unauthorized", () => {
    // easzlab/kubeasz#1332
    const message = `Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "20d3feb0e9ed29a754fb921b8ae728d4b2d6035d2add28d7e1d4b1f7ce08be10": plugin type="calico" failed (add): Unauthorized`;
    expect(classifyMessage(message)).toMatchObject({
      family: "cni-credentials-rejected",
      cni: "calico",
      pluginError: "Unauthorized",
    });
  });

  it("a plugin this catalog does not map keeps cni unknown but names the plugin", () => {
    // projectcalico/calico#8903 (consul-cni)
    const message = `Warning  FailedCreatePodSandBox  9m8s (x546 over 18m)  kubelet            (combined from similar events): Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "bbb2fb13957bed5e7ea18e921ed670d5a6ebd534242211f2bf3e90ff9d8576a8": plugin type="consul-cni" name="consul-cni" failed (add): error retrieving pod: Unauthorized`;
    expect(classifyMessage(message)).toMatchObject({
      family: "cni-credentials-rejected",
      cni: "unknown",
      details: { pluginName: "consul-cni" },
    });
  });

  it("escaped newline inside a quoted plugin error", () => {
    // kmesh-net/kmesh#528
    const message = String.raw`Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "bcb925fdf53c08694e868340df24ffdafb366637cd3ae44e0c1019db45e8bdce": plugin type="kmesh-cni" failed (add): netplugin failed: "Error: failed to get pod: Unauthorized\n"`;
    expect(classifyMessage(message)).toMatchObject({
      family: "cni-credentials-rejected",
      phase: "add",
      runtime: "containerd",
    });
  });
});
