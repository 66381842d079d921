import { describe, expect, it } from "vitest";
import { classifyMessage } from "../classify-message.ts";

describe("apiserver-forbidden", () => {
  it("Multus denied by RBAC", () => {
    // Constructed: the plugin error is k8snetworkplumbingwg/multus-cni#667's title; the containerd wrapper around it
    // follows multus-cni#1094.
    const message = `Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "bc5e100744cc3e7524cb98ba0e056cb81bad97b85a8c9441602bf92ef4edfff5": Multus: [default/testpod1]: error getting pod: pods "testpod1" is forbidden: User "system:serviceaccount:kube-system:multus" cannot get resource "pods" in API group "" in the namespace "default"`;
    expect(classifyMessage(message)).toMatchObject({
      family: "cni-credentials-forbidden",
      cni: "multus",
      phase: "add",
      runtime: "containerd",
      signature: "apiserver-forbidden",
      details: {
        serviceAccount: "kube-system/multus",
        forbiddenResource: "pods",
        pod: "testpod1",
        namespace: "default",
      },
    });
  });

  it("needs a pod-network context: an admission denial is not a CNI failure", () => {
    // kata-containers/kata-containers#12269
    const message = `Error from server (Forbidden): error when creating "/home/runner/work/kata-containers/kata-containers/tests/integration/kubernetes/runtimeclass_workloads_work/pod-number-cpu.yaml": pods "cpu-test" is forbidden: error looking up service account kata-containers-k8s-tests/default: serviceaccount "default" not found`;
    expect(classifyMessage(message).family).toBe("unknown");
  });
});
