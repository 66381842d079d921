/**
 * The restart step deletes an agent pod only when a DaemonSet controls it (nothing else would start a replacement on
 * the node), and waits for a new pod of that same DaemonSet to be Running and Ready. Fakes for the cluster: the
 * behaviour under test is the step's own decisions.
 */
import { describe, expect, it } from "vitest";
import type { CniRemediator } from "../../../src/cni/remediator.ts";
import type { V1Pod } from "../../../src/kube/types.ts";
import { type StepContext, StepFailure, StepLedger } from "../../../src/remediation/steps/context.ts";
import { restartCniAgent } from "../../../src/remediation/steps/restart-cni-agent.ts";

const agent = { namespace: "kube-system", pod: "cilium-old", name: "cilium", whyDown: [] };
const DS = { apiVersion: "apps/v1", kind: "DaemonSet", name: "cilium", uid: "ds-uid", controller: true };

function pod(name: string, uid: string, owner: object | null, ready: boolean): V1Pod {
  return {
    metadata: {
      name,
      namespace: "kube-system",
      uid,
      ...(owner ? { ownerReferences: [owner as never] } : {}),
    },
    status: { phase: "Running", conditions: [{ type: "Ready", status: ready ? "True" : "False" }] },
  } as V1Pod;
}

function context(current: V1Pod, after: V1Pod[]) {
  const deleted: string[] = [];
  const waited: unknown[] = [];
  const ctx = {
    deps: {
      reader: {
        getPod: async () => current,
        listPods: async () => after,
      },
      writer: {
        deletePod: async (_ns: string, name: string, uid: string) => {
          deleted.push(`${name}@${uid}`);
          return "deleted";
        },
      },
      pods: {
        waitForPods: async (o: { query: unknown; satisfied: (ps: V1Pod[]) => boolean }) => {
          waited.push(o.query);
          if (!o.satisfied(after)) throw new Error("not satisfied in this fake");
          return after;
        },
      },
      policy: { pollIntervalMs: 10 },
    },
    runId: "r1",
    ledger: new StepLedger(),
    deadline: Date.now() + 5_000,
    nodeInfo: async () => ({ internalIP: undefined, uid: undefined }),
  } as unknown as StepContext;
  return { ctx, deleted, waited };
}

const soundNode = {
  verify: async () => ({ ok: true, lines: ["the runtime uses 05-cilium.conflist (cilium)."] }),
} as unknown as CniRemediator;
const verify = {
  remediator: soundNode,
  cniConfDir: "/etc/cni/net.d",
  staleTokenFingerprint: null,
  movedAside: [],
};

describe("restartCniAgent", () => {
  it("deletes a DaemonSet's agent pod (by uid) and waits for that DaemonSet's new pod on the node", async () => {
    const { ctx, deleted, waited } = context(pod("cilium-old", "old", DS, false), [
      pod("cilium-new", "new", DS, true),
    ]);
    await restartCniAgent(ctx, "w1", agent, verify);
    expect(deleted).toEqual(["cilium-old@old"]);
    expect(waited).toEqual([{ namespace: "kube-system", fieldSelector: "spec.nodeName=w1" }]);
    expect(ctx.ledger.output.join("\n")).toContain(
      "replacement kube-system/cilium-new is Running and Ready on w1",
    );
  });

  it("deletes nothing when no DaemonSet controls the pod", async () => {
    for (const owner of [null, { kind: "ReplicaSet", name: "rs", uid: "rs-uid", controller: true }]) {
      const { ctx, deleted } = context(pod("cilium-old", "old", owner, false), []);
      await expect(restartCniAgent(ctx, "w1", agent, verify)).rejects.toThrow(StepFailure);
      await expect(restartCniAgent(ctx, "w1", agent, verify)).rejects.toThrow(
        /not controlled by a DaemonSet/,
      );
      expect(deleted).toEqual([]);
    }
  });

  it("does not take another DaemonSet's pod, or the old pod, for the replacement", async () => {
    const other = { ...DS, name: "other", uid: "other-uid" };
    const { ctx } = context(pod("cilium-old", "old", DS, false), [
      pod("cilium-old", "old", DS, true),
      pod("other-x", "x", other, true),
    ]);
    await expect(restartCniAgent(ctx, "w1", agent, verify)).rejects.toThrow(/not satisfied in this fake/);
  });
});
