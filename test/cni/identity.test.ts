/** Each CNI's identity: its plugin types, its agents and the markers only its errors carry. */
import { describe, expect, it } from "vitest";
import {
  agentKindByDaemonSet,
  agentKindForCni,
  CNI_IDENTITIES,
  cniFromEvidence,
  cniFromPluginType,
} from "../../src/cni/identity.ts";

describe("CNI identities", () => {
  it("maps every plugin type to exactly one CNI", () => {
    const types = CNI_IDENTITIES.flatMap((i) => i.pluginTypes);
    expect(new Set(types).size).toBe(types.length);
    expect(cniFromPluginType("calico-ipam")).toBe("calico");
    expect(cniFromPluginType("cilium-cni")).toBe("cilium");
    expect(cniFromPluginType("egress-v4-cni")).toBe("aws-vpc-cni");
  });

  it("knows nothing of a plugin type it does not list, whatever its name", () => {
    expect(cniFromPluginType("constructor")).toBe("unknown");
    expect(cniFromPluginType("__proto__")).toBe("unknown");
    expect(cniFromPluginType(null)).toBe("unknown");
    expect(cniFromPluginType("")).toBe("unknown");
  });

  it("finds an agent by any of its DaemonSet names, and Calico's first agent is calico-node", () => {
    expect(agentKindByDaemonSet("canal")).toMatchObject({ cni: "calico", labelSelector: "k8s-app=canal" });
    expect(agentKindByDaemonSet("rke2-canal")).toMatchObject({
      name: "canal",
      labelSelector: "k8s-app=canal",
    });
    expect(agentKindByDaemonSet("kube-flannel-ds-amd64")?.cni).toBe("flannel");
    expect(agentKindByDaemonSet("not-a-cni")).toBeUndefined();
    expect(agentKindForCni("calico")?.name).toBe("calico-node");
    expect(agentKindForCni("bridge")).toBeUndefined();
  });

  it("knows every CNI's agent DaemonSet", () => {
    const expected: Record<string, string> = {
      "calico-node": "calico",
      canal: "calico",
      // RKE2's chart (rancher/rke2#2635).
      "rke2-canal": "calico",
      cilium: "cilium",
      "kube-flannel-ds": "flannel",
      "aws-node": "aws-vpc-cni",
      "azure-cns": "azure",
      "antrea-agent": "antrea",
      "kube-ovn-cni": "kube-ovn",
      "ovnkube-node": "ovn-kubernetes",
      "weave-net": "weave",
      "kube-multus-ds": "multus",
    };
    for (const [daemonSet, cni] of Object.entries(expected))
      expect(agentKindByDaemonSet(daemonSet)?.cni, daemonSet).toBe(cni);
    expect(cniFromPluginType("azure-vnet")).toBe("azure");
    expect(cniFromPluginType("kube-ovn")).toBe("kube-ovn");
    expect(cniFromPluginType("ovn-k8s-cni-overlay")).toBe("ovn-kubernetes");
  });

  it("reads plugin-error markers in the plugin error and Calico's network name in the whole message", () => {
    expect(cniFromEvidence("dial unix /var/run/cilium/cilium.sock: connect refused", "")).toBe("cilium");
    expect(cniFromEvidence('get clusterinformations.crd.projectcalico.org "default"', "")).toBe("calico");
    // A pod name is chosen by whoever creates the pod: markers are not looked for in the wrapping.
    expect(cniFromEvidence("plugin failed", 'pod "cilium-agent-imposter" network')).toBe("unknown");
    expect(
      cniFromEvidence(
        "plugin failed",
        'failed to setup network for sandbox to cni network "k8s-pod-network"',
      ),
    ).toBe("calico");
  });
});
