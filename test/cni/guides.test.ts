/** Each CNI's guide speaks its own terms, stays read-only, and is what the families' guides show for that CNI. */
import { describe, expect, it } from "vitest";
import { CNI_GUIDES } from "../../src/cni/guides.ts";
import { familyGuide } from "../../src/diagnosis/families/index.ts";
import { FAMILIES } from "../../src/diagnosis/message/classification.ts";

const MUTATING = /\b(delete|rm|apply|patch|edit|restart|rollout|scale|drain|cordon|label|annotate|set)\b/;

describe("per-CNI guides", () => {
  it("are read-only, and reach every family's guide for their CNI", () => {
    for (const guide of CNI_GUIDES) {
      for (const family of FAMILIES) {
        const shown = familyGuide(family, guide.cni);
        for (const command of shown.checks) expect(command, `${guide.cni} ${family}`).not.toMatch(MUTATING);
        const own = guide.checks[family];
        if (own) expect(shown.checks).toEqual([...own]);
      }
    }
  });

  it("check AWS VPC CNI IP exhaustion with ENI and IP limits, subnet free addresses and ipamd, not host-local or Calico", () => {
    const guide = familyGuide("ip-exhausted", "aws-vpc-cni");
    const text = [...guide.checks, ...guide.likelyCauses].join("\n");
    expect(text).toContain("aws ec2 describe-instance-types");
    expect(text).toContain("MaximumNetworkInterfaces,Ipv4AddressesPerInterface");
    expect(text).toContain("AvailableIpAddressCount");
    expect(text).toContain("/var/log/aws-routed-eni/ipamd.log");
    expect(text).not.toMatch(/host-local|\/var\/lib\/cni\/networks|calico|ippool/i);
    expect(guide.fix).toMatchObject({ automatic: false });
  });

  it("name each CNI's own agent and tools", () => {
    const checks = (cni: Parameters<typeof familyGuide>[1]) =>
      familyGuide("cni-agent-not-running", cni).checks.join("\n");
    expect(checks("cilium")).toContain("cilium-dbg status");
    expect(checks("aws-vpc-cni")).toContain("logs <agent-pod> -c aws-node");
    expect(checks("azure")).toContain("k8s-app=azure-cns");
    expect(checks("antrea")).toContain("antctl get agentinfo");
    expect(checks("kube-ovn")).toContain("/run/openvswitch/kube-ovn-daemon.sock");
    expect(checks("ovn-kubernetes")).toContain("app=ovnkube-node");
    expect(checks("weave")).toContain("weave --local status");
    expect(checks("flannel")).toContain("/run/flannel/subnet.env");
    expect(checks("multus")).toContain("network-attachment-definitions");
  });

  it("leave Calico's automatic repairs as they were", () => {
    expect(familyGuide("cni-agent-not-running", "calico").fix.summary).toMatch(/^Yes, after approval/);
    expect(familyGuide("ip-exhausted", "calico").checks).toContain("calicoctl ipam show --show-blocks");
  });
});
