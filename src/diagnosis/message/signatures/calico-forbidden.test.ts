import { describe, expect, it } from "vitest";
import { classifyMessage } from "../classify-message.ts";

describe("calico-forbidden", () => {
  it("containerd, error before the plugin wrapper, 403 with the service account and resource", () => {
    // projectcalico/calico#5834
    const message = `kubelet  (combined from similar events): Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "4faa9d59e685b4d7ce11a2cec835f7d5c6918851fd8aadaa1530418a2dda8972": error getting ClusterInformation: connection is unauthorized: clusterinformations.crd.projectcalico.org "default" is forbidden: User "system:serviceaccount:kube-system:calico-node" cannot get resource "clusterinformations" in API group "crd.projectcalico.org" at the cluster scope`;
    expect(classifyMessage(message)).toMatchObject({
      family: "cni-credentials-forbidden",
      cni: "calico",
      phase: "add",
      runtime: "containerd",
      signature: "calico-forbidden",
      details: {
        sandboxId: "4faa9d59e685b4d7ce11a2cec835f7d5c6918851fd8aadaa1530418a2dda8972",
        serviceAccount: "kube-system/calico-node",
        forbiddenResource: "clusterinformations.crd.projectcalico.org",
      },
    });
  });

  it("the v3.26+ calico-cni-plugin service account", () => {
    // Constructed: the calico#5834 message with the calico-cni-plugin account that Calico v3.26+ runs the CNI plugin
    // as (projectcalico/calico#7584), inside the libcni plugin wrapper.
    const message = `Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "5c0ffee5e685b4d7ce11a2cec835f7d5c6918851fd8aadaa1530418a2dda8972": plugin type="calico" failed (add): error getting ClusterInformation: connection is unauthorized: clusterinformations.crd.projectcalico.org "default" is forbidden: User "system:serviceaccount:kube-system:calico-cni-plugin" cannot get resource "clusterinformations" in API group "crd.projectcalico.org" at the cluster scope`;
    expect(classifyMessage(message)).toMatchObject({
      family: "cni-credentials-forbidden",
      signature: "calico-forbidden",
      details: {
        serviceAccount: "kube-system/calico-cni-plugin",
        forbiddenResource: "clusterinformations.crd.projectcalico.org",
      },
    });
  });

  it("a bare 403 on the ClusterInformation GET, across a line break", () => {
    // projectcalico/calico#11378 (pasted with the event split over lines)
    const message = `Warning  FailedCreatePodSandBox  10m                 kubelet

Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "f0c744d2f8da27e11abe6aeea10bf6adc7444830338c0987797a827182521fd3": plugin type="calico" failed (add): error getting ClusterInformation: Get "https://10.96.0.1:443/apis/crd.projectcalico.org/v1/clusterinformations/default": Forbidden`;
    expect(classifyMessage(message)).toMatchObject({
      family: "cni-credentials-forbidden",
      cni: "calico",
      runtime: "containerd",
      signature: "calico-forbidden",
      details: { apiServer: "https://10.96.0.1:443" },
    });
  });

  it("is not the 401 signature", () => {
    // projectcalico/calico#9215 — plain Unauthorized must stay credentials-rejected.
    const message = `plugin type="calico" failed (add): error getting ClusterInformation: connection is unauthorized: Unauthorized`;
    expect(classifyMessage(message).family).toBe("cni-credentials-rejected");
  });

  it("Canal's service account, CRI-O wording", () => {
    // projectcalico/calico#3776
    const message = `Failed to create pod sandbox: rpc error: code = Unknown desc = failed to create pod network sandbox k8s_xxxx-0_default_45357eab-bf40-4fe7-a470-da42c9668116_0(579e2c258154fcdc2e85df4a1e35264ea9550b0dd1c4384331abc471f552456d): connection is unauthorized: ipamconfigs.crd.projectcalico.org "default" is forbidden: User "system:serviceaccount:kube-system:canal" cannot get resource "ipamconfigs" in API group "crd.projectcalico.org" at the cluster scope`;
    expect(classifyMessage(message)).toMatchObject({
      family: "cni-credentials-forbidden",
      cni: "calico",
      phase: "add",
      runtime: "cri-o",
      signature: "calico-forbidden",
      details: {
        serviceAccount: "kube-system/canal",
        forbiddenResource: "ipamconfigs.crd.projectcalico.org",
      },
    });
  });
});
