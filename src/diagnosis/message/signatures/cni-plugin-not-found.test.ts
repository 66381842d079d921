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

  it.each([
    [
      "kata-containers/tests#5400",
      `Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "ed1acb1e2ecfbc96a98c38ca97aec6cb4aaab94fa8720fd42ea9b001c9d13a9a": plugin type="flannel" failed (add): failed to find plugin "flannel" in path [/opt/cni/bin]`,
    ],
    [
      "kata-containers/kata-containers#5731",
      `Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "bcaf9b76824f679a2f64f28ce5186871cc41e8c506ada9b8cbe466e22bc2d461": plugin type="flannel" failed (add): failed to find plugin "flannel" in path [/opt/cni/bin]`,
    ],
    [
      "kubernetes-retired/dashboard#6417 (no plugin type printed: the missing binary names the CNI)",
      `Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "adf18a2d394b3355e50ce339b2ec0c52e05a71e727f11a043e7e967ecf2ac9f6": failed to find plugin "flannel" in path [/opt/cni/bin]`,
    ],
    [
      "denverdino/k8s-for-docker-desktop#166",
      `Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "1dbc9986145ba5aa90c7d908ff9ef1992207948d418e23b51c0149d4a4b72c82": failed to find plugin "flannel" in path [/opt/cni/bin]`,
    ],
  ])("flannel binary missing, containerd: %s", (_source, message) => {
    expect(classifyMessage(message)).toMatchObject({
      family: "cni-plugin-missing",
      cni: "flannel",
      phase: "add",
      runtime: "containerd",
      details: { pluginName: "flannel", pluginSearchPath: ["/opt/cni/bin"] },
    });
  });

  it("portmap missing on teardown, dockershim", () => {
    // flannel-io/flannel#890
    const message = `StopPodSandbox "8046a5441a0f18637c643665d0d7bbf77ced11a0e987f9ee1f633e8e95afe952" from runtime service failed: rpc error: code = Unknown desc = NetworkPlugin cni failed to teardown pod "kube-dns-545bc4bfd4-sbhpp_kube-system" network: failed to find plugin "portmap" in path [/opt/flannel/bin /opt/cni/bin]`;
    expect(classifyMessage(message)).toMatchObject({
      family: "cni-plugin-missing",
      cni: "portmap",
      phase: "delete",
      runtime: "dockershim",
      details: { pluginName: "portmap", pluginSearchPath: ["/opt/flannel/bin", "/opt/cni/bin"] },
    });
  });

  it.each([
    [
      "openshift/origin#15210 (kubelet log, set-up)",
      `E0714 15:23:23.974280   16573 cni.go:257] Error adding network: failed to find plugin "loopback" in path [/opt/loopback/bin /opt/cni/bin]`,
      "loopback",
      "add",
      ["/opt/loopback/bin", "/opt/cni/bin"],
    ],
    [
      "openshift/origin#15210 (kubelet log, tear-down)",
      `E0714 16:00:34.359759   16573 cni.go:275] Error deleting network: failed to find plugin "openshift-sdn" in path [/opt/cni/bin /opt/openshift-sdn/bin]`,
      "openshift-sdn",
      "delete",
      ["/opt/cni/bin", "/opt/openshift-sdn/bin"],
    ],
  ])("%s", (_source, message, plugin, phase, path) => {
    expect(classifyMessage(message)).toMatchObject({
      family: "cni-plugin-missing",
      cni: plugin,
      phase,
      details: { pluginName: plugin, pluginSearchPath: path },
    });
  });
});
