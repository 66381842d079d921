/** The check after a Calico repair, on inspections as a node would give them. */
import { describe, expect, it } from "vitest";
import { judgeCalicoNode, verifyCalicoNode } from "../../../src/cni/calico/verify.ts";
import type { CalicoKubeconfigForensics, NodeForensics } from "../../../src/diagnosis/model.ts";

const DIR = "/etc/cni/net.d";

function kubeconfig(overrides: Partial<CalicoKubeconfigForensics> = {}): CalicoKubeconfigForensics {
  return {
    path: `${DIR}/calico-kubeconfig`,
    status: "ok",
    problem: null,
    modifiedAt: "2026-12-05T10:00:00.000Z",
    sizeBytes: 2000,
    truncated: false,
    headerLine: "# Kubeconfig file for Calico CNI plugin.",
    writer: "install-cni",
    server: "https://10.0.0.1:6443",
    caFingerprint: "ab".repeat(32),
    caMatchesCluster: true,
    insecureSkipTlsVerify: false,
    token: {
      fingerprint: "sha256:new0000000000000",
      lengthChars: 900,
      claims: null,
      problem: null,
      issuerMatchesCluster: true,
      liveServiceAccount: { status: "found", uid: "u1", matchesToken: true },
      boundPod: null,
      review: { status: "authenticated", username: "system:serviceaccount:calico-system:calico-cni-plugin" },
    },
    ...overrides,
  };
}

function forensics(
  configs: Array<[string, "calico" | "multus" | "cilium"]>,
  k = kubeconfig(),
): NodeForensics {
  return {
    node: "w1",
    cniConfDir: DIR,
    inspectedAt: "2026-12-05T10:01:00.000Z",
    confDir: { status: "ok", entries: [] },
    configFiles: configs.map(([name, cni]) => ({
      name,
      network: "net",
      pluginTypes: [cni],
      cni,
      problem: null,
    })),
    activeConfig: configs[0]?.[0] ?? null,
    kubeconfig: k,
    clock: null,
    problems: [],
  };
}

const restart = { staleTokenFingerprint: "sha256:old0000000000000", needsCredentials: true };

describe("judgeCalicoNode", () => {
  it("passes a node whose first config is Calico's and whose fresh token the API server accepts", () => {
    const check = judgeCalicoNode(forensics([["10-calico.conflist", "calico"]]), restart);
    expect(check.ok).toBe(true);
    expect(check.lines.join("\n")).toMatch(
      /runtime uses 10-calico\.conflist \(calico\)[\s\S]*which the API server accepts as system:serviceaccount/,
    );
  });

  it("accepts Multus in front, which delegates to Calico", () => {
    expect(
      judgeCalicoNode(
        forensics([
          ["00-multus.conf", "multus"],
          ["10-calico.conflist", "calico"],
        ]),
        restart,
      ).ok,
    ).toBe(true);
  });

  it("fails while another CNI's config still comes first", () => {
    const check = judgeCalicoNode(
      forensics([
        ["05-cilium.conflist", "cilium"],
        ["10-calico.conflist", "calico"],
      ]),
      restart,
    );
    expect(check).toMatchObject({ ok: false });
    expect(check.lines).toContain("the runtime would use 05-cilium.conflist (cilium), not Calico's config.");
  });

  it("fails on the old token, another cluster's CA or a token the API server rejects", () => {
    const old = kubeconfig();
    if (old.token) old.token.fingerprint = restart.staleTokenFingerprint;
    expect(judgeCalicoNode(forensics([["10-calico.conflist", "calico"]], old), restart).lines).toContain(
      "calico-kubeconfig still holds the old token sha256:old0000000000000.",
    );
    const foreign = judgeCalicoNode(
      forensics([["10-calico.conflist", "calico"]], kubeconfig({ caMatchesCluster: false })),
      restart,
    );
    expect(foreign).toMatchObject({
      ok: false,
      lines: expect.arrayContaining(["calico-kubeconfig still trusts another cluster's CA."]),
    });
    const rejected = kubeconfig();
    if (rejected.token) rejected.token.review = { status: "rejected", error: "token has been invalidated" };
    expect(judgeCalicoNode(forensics([["10-calico.conflist", "calico"]], rejected), restart).ok).toBe(false);
  });

  it("needs no credentials after only a shadowing config was moved, but fails a missing one after a restart", () => {
    const missing = kubeconfig({ status: "missing" });
    expect(
      judgeCalicoNode(forensics([["10-calico.conflist", "calico"]], missing), {
        staleTokenFingerprint: null,
        needsCredentials: false,
      }).ok,
    ).toBe(true);
    expect(judgeCalicoNode(forensics([["10-calico.conflist", "calico"]], missing), restart)).toEqual({
      ok: false,
      lines: ["the runtime uses 10-calico.conflist (calico).", "calico-kubeconfig is missing."],
    });
  });
});

describe("verifyCalicoNode", () => {
  it("inspects the node through the context it is given and records what it read", async () => {
    const calls: string[] = [];
    const check = await verifyCalicoNode(
      {
        inspectNode: async (node, dir) => {
          calls.push(`inspect ${node} ${dir}`);
          return forensics([["10-calico.conflist", "calico"]]);
        },
        recordCall: (d) => calls.push(d),
      },
      "w1",
      { cniConfDir: DIR, movedAside: [], ...restart },
    );
    expect(check.ok).toBe(true);
    expect(calls).toEqual([
      `inspect w1 ${DIR}`,
      `inspect w1: list ${DIR}, read its configs and calico-kubeconfig, TokenReview`,
    ]);
  });
});
