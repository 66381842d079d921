import { describe, expect, it } from "vitest";
import { classifyMessage } from "../classify-message.ts";

describe("calico-nodename-missing", () => {
  it("dockershim, with the describe table prefix and a repeat count", () => {
    // kubernetes/kubernetes#107428
    const message = `Warning  FailedCreatePodSandBox  51m (x3373 over 111m)  kubelet  (combined from similar events): Failed to create pod sandbox: rpc error: code = Unknown desc = failed to set up sandbox container "286fd0d6a0d90b9d69bb61ae8f32056a95d19d33f97a48f12097e069b76118b1" network for pod "test-web-api": networkPlugin cni failed to set up pod "test-web-api_default" network: stat /var/lib/calico/nodename: no such file or directory: check that the calico/node container is running and has mounted /var/lib/calico/`;
    expect(classifyMessage(message)).toMatchObject({
      family: "cni-agent-not-running",
      cni: "calico",
      phase: "add",
      runtime: "dockershim",
      signature: "calico-nodename-missing",
      pluginError:
        "stat /var/lib/calico/nodename: no such file or directory: check that the calico/node container is running and has mounted /var/lib/calico/",
      details: { pod: "test-web-api", namespace: "default" },
    });
  });

  it("older dockershim wording (NetworkPlugin, no sandbox-container part)", () => {
    // kubernetes/kubernetes#62451
    const message = `Failed create pod sandbox: rpc error: code = Unknown desc = NetworkPlugin cni failed to set up pod "kube-dns-86f4d74b45-kgjbk_kube-system" network: stat /var/lib/calico/nodename: no such file or directory: check that the calico/node container is running and has mounted /var/lib/calico/`;
    expect(classifyMessage(message)).toMatchObject({
      family: "cni-agent-not-running",
      cni: "calico",
      runtime: "dockershim",
      details: { pod: "kube-dns-86f4d74b45-kgjbk", namespace: "kube-system" },
    });
  });

  it("containerd form", () => {
    // Constructed: the calico#9215 containerd wrapper around the k8s#62451 plugin error.
    const message = `Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "b6385006e8b3eedeaa1fd60e3e69afc9fb758a27666c93708a9211b3c988ab34": plugin type="calico" failed (add): stat /var/lib/calico/nodename: no such file or directory: check that the calico/node container is running and has mounted /var/lib/calico/`;
    expect(classifyMessage(message)).toMatchObject({
      family: "cni-agent-not-running",
      cni: "calico",
      runtime: "containerd",
    });
  });

  it("containerd, libcni plugin form", () => {
    // projectcalico/calico#10146
    const message = `Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "6e11a3643ea5af99e10ec02111105ae717dceb52ac837218ea58c1b355cb7f57": plugin type="calico" failed (add): stat /var/lib/calico/nodename: no such file or directory: check that the calico/node container is running and has mounted /var/lib/calico/`;
    expect(classifyMessage(message)).toMatchObject({
      family: "cni-agent-not-running",
      cni: "calico",
      phase: "add",
      runtime: "containerd",
      signature: "calico-nodename-missing",
    });
  });
});
