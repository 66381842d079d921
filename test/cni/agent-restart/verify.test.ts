/** The agent restart remediator's node check: the runtime's first config is the CNI's own again. Pure, and read-only. */
import { describe, expect, it } from "vitest";
import { judgeAgentNode, verifyAgentNode } from "../../../src/cni/agent-restart/verify.ts";
import { CNI_IDENTITIES } from "../../../src/cni/identity.ts";
import type { NodeForensics } from "../../../src/diagnosis/model.ts";

const DIR = "/etc/cni/net.d";
const cilium = CNI_IDENTITIES.find((i) => i.cni === "cilium") ?? { cni: "cilium" as const };

function forensics(configs: Array<[string, string]>): NodeForensics {
  return {
    node: "w1",
    cniConfDir: DIR,
    inspectedAt: "2026-12-05T10:00:00.000Z",
    confDir: { status: "ok", entries: [] },
    configFiles: configs.map(([name, cni]) => ({
      name,
      network: "net",
      pluginTypes: [cni],
      cni: cni as never,
      problem: null,
    })),
    activeConfig: configs[0]?.[0] ?? null,
    kubeconfig: null,
    clock: null,
    problems: [],
  };
}

describe("judgeAgentNode", () => {
  it("passes when the runtime uses the CNI's own config", () => {
    expect(judgeAgentNode(cilium, forensics([["05-cilium.conflist", "cilium"]]), [])).toEqual({
      ok: true,
      lines: ["the runtime uses 05-cilium.conflist (cilium)."],
    });
  });

  it("fails with no config, or another CNI's first", () => {
    expect(judgeAgentNode(cilium, forensics([]), [])).toEqual({
      ok: false,
      lines: [`${DIR} holds no CNI config yet.`],
    });
    expect(
      judgeAgentNode(
        cilium,
        forensics([
          ["01-flannel.conflist", "flannel"],
          ["05-cilium.conflist", "cilium"],
        ]),
        [],
      ),
    ).toMatchObject({
      ok: false,
      lines: ["the runtime would use 01-flannel.conflist (flannel), not cilium's config."],
    });
  });

  it("accepts a delegating Multus first, unless the repair moved it aside and it came back", () => {
    const multusFirst = forensics([
      ["00-multus.conf", "multus"],
      ["05-cilium.conflist", "cilium"],
    ]);
    expect(judgeAgentNode(cilium, multusFirst, []).ok).toBe(true);
    expect(judgeAgentNode(cilium, multusFirst, ["00-multus.conf"])).toEqual({
      ok: false,
      lines: [
        "the runtime would use 00-multus.conf (multus) again: it was moved aside, and something wrote it back.",
      ],
    });
  });

  it("accepts the CNI's own config its agent wrote again after the repair moved the old one aside", () => {
    expect(
      judgeAgentNode(cilium, forensics([["05-cilium.conflist", "cilium"]]), ["05-cilium.conflist"]).ok,
    ).toBe(true);
  });

  it("inspects the node read-only and records what it read", async () => {
    const calls: string[] = [];
    const check = await verifyAgentNode(
      cilium as never,
      {
        inspectNode: async (node, dir) => {
          calls.push(`inspect ${node} ${dir}`);
          return forensics([["05-cilium.conflist", "cilium"]]);
        },
        recordCall: (d) => calls.push(d),
      },
      "w1",
      { cniConfDir: DIR, staleTokenFingerprint: null, needsCredentials: true, movedAside: [] },
    );
    expect(check.ok).toBe(true);
    expect(calls).toEqual([`inspect w1 ${DIR}`, `inspect w1: list ${DIR} and read its configs`]);
  });
});
