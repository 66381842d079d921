import { describe, expect, it } from "vitest";
import { classifyMessage } from "../classify-message.ts";

describe("calico-unauthorized", () => {
  it("containerd, libcni plugin form (ADD)", () => {
    // projectcalico/calico#9215
    const message = `Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "b6385006e8b3eedeaa1fd60e3e69afc9fb758a27666c93708a9211b3c988ab34": plugin type="calico" failed (add): error getting ClusterInformation: connection is unauthorized: Unauthorized`;
    expect(classifyMessage(message)).toMatchObject({
      family: "cni-credentials-rejected",
      cni: "calico",
      phase: "add",
      runtime: "containerd",
      signature: "calico-unauthorized",
      pluginError: "error getting ClusterInformation: connection is unauthorized: Unauthorized",
      details: {
        sandboxId: "b6385006e8b3eedeaa1fd60e3e69afc9fb758a27666c93708a9211b3c988ab34",
        pluginName: "calico",
      },
    });
  });

  it("dockershim, bracketed set-up + clean-up form", () => {
    // projectcalico/calico#5712 (comment by nareshmaharaj-consultant)
    const message = `Failed to create pod sandbox: rpc error: code = Unknown desc = [failed to set up sandbox container "3dcfdb21462e255a8f4059ca8540c8df05863bd6444cb22290133f894840845e" network for pod "pod-with-cm": networkPlugin cni failed to set up pod "pod-with-cm_default" network: error getting ClusterInformation: connection is unauthorized: Unauthorized, failed to clean up sandbox container "3dcfdb21462e255a8f4059ca8540c8df05863bd6444cb22290133f894840845e" network for pod "pod-with-cm": networkPlugin cni failed to teardown pod "pod-with-cm_default" network: error getting ClusterInformation: connection is unauthorized: Unauthorized]`;
    expect(classifyMessage(message)).toMatchObject({
      family: "cni-credentials-rejected",
      cni: "calico",
      phase: "add",
      runtime: "dockershim",
      signature: "calico-unauthorized",
      pluginError: "error getting ClusterInformation: connection is unauthorized: Unauthorized",
      details: { pod: "pod-with-cm", namespace: "default" },
    });
  });

  it("dockershim with typographic quotes from a copy-paste", () => {
    // rancher/rancher#41725 (quotes rewritten to “ ” by the issue tracker)
    const message = `Failed to create pod sandbox: rpc error: code = Unknown desc = [failed to set up sandbox container “91c0787bb0b622f3ae37cd730b0343576925e31ba833a9463c3f59b372a4302b” network for pod “dashboard-shell-cjlfn”: networkPlugin cni failed to set up pod “dashboard-shell-cjlfn_cattle-system” network: error getting ClusterInformation: connection is unauthorized: Unauthorized, failed to clean up sandbox container “91c0787bb0b622f3ae37cd730b0343576925e31ba833a9463c3f59b372a4302b” network for pod “dashboard-shell-cjlfn”: networkPlugin cni failed to teardown pod “dashboard-shell-cjlfn_cattle-system” network: error getting ClusterInformation: connection is unauthorized: Unauthorized]`;
    expect(classifyMessage(message)).toMatchObject({
      family: "cni-credentials-rejected",
      runtime: "dockershim",
      details: { pod: "dashboard-shell-cjlfn", namespace: "cattle-system" },
    });
  });

  it("CRI-O form with the libcni plugin part and the combined-events prefix", () => {
    // projectcalico/calico#6546
    const message = `(combined from similar events): Failed to create pod sandbox: rpc error: code = Unknown desc = failed to create pod network sandbox k8s_coredns-6d4b75cb6d-vc6lr_kube-system_19f66e13-7c95-43cb-b1d6-9a0e1d7deb29_0(d62b74d28a2d5a333912418806a7b287f4fda4c67a9a2a1ccc9fe76c7bcfe889): error adding pod kube-system_coredns-6d4b75cb6d-vc6lr to CNI network "k8s-pod-network": plugin type="calico" failed (add): error getting ClusterInformation: connection is unauthorized: Unauthorized`;
    expect(classifyMessage(message)).toMatchObject({
      family: "cni-credentials-rejected",
      cni: "calico",
      phase: "add",
      runtime: "cri-o",
      signature: "calico-unauthorized",
      pluginError: "error getting ClusterInformation: connection is unauthorized: Unauthorized",
      details: {
        sandboxId: "d62b74d28a2d5a333912418806a7b287f4fda4c67a9a2a1ccc9fe76c7bcfe889",
        pod: "coredns-6d4b75cb6d-vc6lr",
        namespace: "kube-system",
      },
    });
  });

  it("FailedKillPod with escaped quotes (DEL)", () => {
    // Constructed: the FailedKillPod wrapping is projectcalico/calico#7647's (its title); the plugin error is
    // calico#9215's. No real DEL event with this error was found in full.
    const message = String.raw`error killing pod: failed to "KillPodSandbox" for "b2a5f0a4-2c1e-4d0e-9a63-7f1c2f8d9e10" with KillPodSandboxError: "rpc error: code = Unknown desc = failed to destroy network for sandbox \"0cb10d79d0671bbb3c7b3956bb6dd3075ac084f0cb40330703ddbf8e0126d7a5\": plugin type=\"calico\" failed (delete): error getting ClusterInformation: connection is unauthorized: Unauthorized"`;
    expect(classifyMessage(message)).toMatchObject({
      family: "cni-credentials-rejected",
      cni: "calico",
      phase: "delete",
      runtime: "containerd",
      pluginError: "error getting ClusterInformation: connection is unauthorized: Unauthorized",
      details: { sandboxId: "0cb10d79d0671bbb3c7b3956bb6dd3075ac084f0cb40330703ddbf8e0126d7a5" },
    });
  });

  it('Windows Calico, name="Calico"', () => {
    // Constructed: the Windows wrapping (plugin type="calico" name="Calico") is projectcalico/calico#10619's,
    // the plugin error calico#9215's.
    const message = `Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "2cf8794cf9c80c235fbfe079d09ca6c9514854f632e2093aaa8e3638a0e97d21": plugin type="calico" name="Calico" failed (add): error getting ClusterInformation: connection is unauthorized: Unauthorized`;
    expect(classifyMessage(message)).toMatchObject({
      family: "cni-credentials-rejected",
      cni: "calico",
      runtime: "containerd",
      signature: "calico-unauthorized",
    });
  });

  it("Multus delegating to Calico: the delegate that failed is the CNI reported", () => {
    // Constructed: the Multus wrapping (plugin type="multus" name="multus-cni-network", "[ns/pod/uid:network]")
    // follows spidernet-io/cni-plugins#47 and multus-cni#1094; the delegate's error is calico#9215's.
    const message = `Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "bc5e100744cc3e7524cb98ba0e056cb81bad97b85a8c9441602bf92ef4edfff5": plugin type="multus" name="multus-cni-network" failed (add): [default/nginx-7d9c8f7b5-x2x4l/a47656c9-a43f-4f78-b337-fde316150fa9:k8s-pod-network]: error adding container to network "k8s-pod-network": error getting ClusterInformation: connection is unauthorized: Unauthorized`;
    expect(classifyMessage(message)).toMatchObject({
      family: "cni-credentials-rejected",
      cni: "calico",
      signature: "calico-unauthorized",
      details: { pluginName: "multus" },
    });
  });
});
