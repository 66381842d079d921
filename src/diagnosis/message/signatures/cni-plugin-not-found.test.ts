import { describe, expect, it } from "vitest";
import { classifyMessage } from "../classify-message.ts";

describe("cni-plugin-not-found", () => {
  it("containerd, libcni plugin form", () => {
    // rancher/rke2#7981
    const message = `(combined from similar events): Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "e9ba9aaa20c718f83f414472baaaefcc33413fd19b3e4968683e0251042cfae0": plugin type="loopback" failed (add): failed to find plugin "loopback" in path [/opt/cni/bin]`;
    expect(classifyMessage(message)).toMatchObject({
      family: "cni-plugin-missing",
      cni: "loopback",
      phase: "add",
      runtime: "containerd",
      signature: "cni-plugin-not-found",
      details: { pluginName: "loopback", pluginSearchPath: ["/opt/cni/bin"] },
    });
  });

  it("containerd, error raised before any plugin ran", () => {
    // projectcalico/calico#4308 (k3s log line)
    const message = `RunPodSandbox from runtime service failed: rpc error: code = Unknown desc = failed to setup network for sandbox "9dfb4e1e983af00c0362a4409b8210bc91bf18d7f9545bd700eb6cdeba1f1473": failed to find plugin "loopback" in path [/opt/cni/bin]`;
    expect(classifyMessage(message)).toMatchObject({
      family: "cni-plugin-missing",
      runtime: "containerd",
      details: { pluginName: "loopback", pluginSearchPath: ["/opt/cni/bin"] },
    });
  });

  it("dockershim, set-up and teardown name different plugins: the set-up one is reported", () => {
    // openshift/cluster-api-provider-libvirt#131
    const message = `Failed create pod sandbox: rpc error: code = Unknown desc = [failed to set up sandbox container "734dfc50315f6041dce9db799855764a14af127d41ec1756b36fede207211d54" network for pod "clusterapi-controllers-9cb7f5b49-ptn2s": NetworkPlugin cni failed to set up pod "clusterapi-controllers-9cb7f5b49-ptn2s_namespace-cb0d1035-44d1-11e9-8b94-0cc47a8055ac" network: failed to find plugin "loopback" in path [/opt/cni/bin], failed to clean up sandbox container "734dfc50315f6041dce9db799855764a14af127d41ec1756b36fede207211d54" network for pod "clusterapi-controllers-9cb7f5b49-ptn2s": NetworkPlugin cni failed to teardown pod "clusterapi-controllers-9cb7f5b49-ptn2s_namespace-cb0d1035-44d1-11e9-8b94-0cc47a8055ac" network: failed to find plugin "bridge" in path [/opt/cni/bin]]`;
    expect(classifyMessage(message)).toMatchObject({
      family: "cni-plugin-missing",
      phase: "add",
      runtime: "dockershim",
      pluginError: 'failed to find plugin "loopback" in path [/opt/cni/bin]',
      details: {
        pluginName: "loopback",
        pod: "clusterapi-controllers-9cb7f5b49-ptn2s",
        namespace: "namespace-cb0d1035-44d1-11e9-8b94-0cc47a8055ac",
      },
    });
  });

  it("CRI-O form with two search directories", () => {
    // Constructed: the plugin error is openshift/sdn#140's title (OKD 3.11, CRI-O); the CRI-O wrapping around it
    // follows cri-o/cri-o#1523's shape.
    const message = `Failed to create pod sandbox: rpc error: code = Unknown desc = failed to create pod network sandbox k8s_router-1-abcde_default_94ed0fa540fbf10c0225d82de5e61561_0(35e354e982ccd726a45da51ac613ff9c27e90e75cb97edc04d843788aa614d82): error adding pod default_router-1-abcde to CNI network "openshift-sdn": failed to find plugin "loopback" in path [/opt/cni/bin/ /opt/loopback/bin]`;
    expect(classifyMessage(message)).toMatchObject({
      family: "cni-plugin-missing",
      runtime: "cri-o",
      details: { pluginName: "loopback", pluginSearchPath: ["/opt/cni/bin/", "/opt/loopback/bin"] },
    });
  });
});
