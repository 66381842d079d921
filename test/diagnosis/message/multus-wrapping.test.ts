/** Multus relays its delegate's error: the classification names the delegate as the CNI and Multus as the wrapper. */
import { describe, expect, it } from "vitest";
import { classifyMessage } from "../../../src/diagnosis/message/classify-message.ts";

describe("Multus wrapping a delegate's error", () => {
  it("names both: the delegate (kube-ovn) as the CNI, multus as the wrapper", () => {
    // Constructed: the delegate's error is kubeovn/kube-ovn#4730's (`[ns/pod/uid:kube-ovn]: error adding container to
    // network "kube-ovn": plugin type="kube-ovn" failed (add): RPC failed; … kube-ovn-daemon.sock …`), inside the
    // multus-shim wrapper of k8snetworkplumbingwg/multus-cni#1165.
    const message = `Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "4468be044f22223208b097e751dffe8117808110d1cf70b108938614e554da4e": plugin type="multus-shim" name="multus-cni-network" failed (add): CmdAdd (shim): CNI request failed with status 400: '[kube-system/kube-ovn-pinger-9j4ns/81f80646-cbc6-41bf-af69-86251b65fe99:kube-ovn]: error adding container to network "kube-ovn": plugin type="kube-ovn" failed (add): RPC failed; Post "http://dummy/api/v1/add": dial unix /run/openvswitch/kube-ovn-daemon.sock: connect: no such file or directory'`;
    expect(classifyMessage(message)).toMatchObject({
      family: "cni-agent-not-running",
      cni: "kube-ovn",
      phase: "add",
      details: { wrappedBy: "multus" },
    });
  });

  it("older Multus prefix without a plugin type: Multus's own failure stays Multus's, with no wrapper", () => {
    // k8snetworkplumbingwg/multus-cni#564 (k3s)
    const message = `Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "941fec2ff81a14c29ccad5db69130a03986bc1751f4945b4eb1c704a921504e7": Multus: [default/nettools-multus-86b7f46f97-942dl]: error getting pod: Unauthorized`;
    const c = classifyMessage(message);
    expect(c).toMatchObject({ family: "cni-credentials-rejected", cni: "multus", phase: "add" });
    expect(c.details.wrappedBy).toBeUndefined();
  });

  it("a delegate failure of no known family stays unknown, even wrapped", () => {
    // k8snetworkplumbingwg/multus-cni#241 (kubelet log line)
    const message = `RunPodSandbox from runtime service failed: rpc error: code = Unknown desc = [failed to set up sandbox container "9e678d50f9a84b139bf878ad60c4f47534545250e2fb0a1a4cb67c164b45962f" network for pod "busybox-weave-calico": NetworkPlugin cni failed to set up pod "busybox-weave-calico_default" network: Multus: Err in tearing down failed plugins: Multus: error in invoke Delegate add - "calico": failed to add IPv4 route for 0.0.0.0/0 via 169.254.1.1: file exists, failed to clean up sandbox container "9e678d50f9a84b139bf878ad60c4f47534545250e2fb0a1a4cb67c164b45962f" network for pod "busybox-weave-calico": NetworkPlugin cni failed to teardown pod "busybox-weave-calico_default" network: netplugin failed but error parsing its diagnostic message "": unexpected end of JSON input]`;
    expect(classifyMessage(message)).toMatchObject({ family: "unknown", phase: "add" });
  });
});
