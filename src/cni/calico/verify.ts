/**
 * Whether a node's Calico CNI is sound after a repair, from a fresh inspection: the runtime's first config is
 * Calico's (or a delegating Multus the repair did not move aside), calico-kubeconfig is present, trusts this cluster's CA, and holds a token the API
 * server accepts (TokenReview) — a new one when the old one was the problem. Read-only.
 */
import type { NodeForensics } from "../../diagnosis/model.ts";
import type { NodeCheckContext, NodeCniCheck, NodeExpectation } from "../remediator.ts";
import { judgeActiveConfig } from "../verify-config.ts";

export async function verifyCalicoNode(
  ctx: NodeCheckContext,
  node: string,
  expect: NodeExpectation,
): Promise<NodeCniCheck> {
  const f = await ctx.inspectNode(node, expect.cniConfDir);
  ctx.recordCall(
    `inspect ${node}: list ${expect.cniConfDir}, read its configs and calico-kubeconfig, TokenReview`,
  );
  return judgeCalicoNode(f, expect);
}

/** Pure: the verdict on a fresh inspection. */
export function judgeCalicoNode(
  f: NodeForensics,
  expect: Pick<NodeExpectation, "staleTokenFingerprint" | "needsCredentials"> &
    Partial<Pick<NodeExpectation, "movedAside">>,
): NodeCniCheck {
  const lines: string[] = [];
  let ok = true;
  const fail = (line: string) => {
    ok = false;
    lines.push(line);
  };
  const active = judgeActiveConfig(f, "calico", expect.movedAside ?? [], "Calico");
  if (active.ok) lines.push(active.line);
  else fail(active.line);
  const k = f.kubeconfig;
  if (!expect.needsCredentials && (!k || k.status === "missing")) return { ok, lines };
  if (k?.status !== "ok") {
    fail(`calico-kubeconfig is ${k?.status ?? "missing"}${k?.problem ? `: ${k.problem}` : ""}.`);
    return { ok, lines };
  }
  if (k.caMatchesCluster === false) fail(`calico-kubeconfig still trusts another cluster's CA.`);
  const token = k.token;
  if (!token) fail("calico-kubeconfig holds no token.");
  else {
    if (expect.staleTokenFingerprint !== null && token.fingerprint === expect.staleTokenFingerprint) {
      fail(`calico-kubeconfig still holds the old token ${token.fingerprint}.`);
    }
    if (token.review.status === "authenticated") {
      lines.push(
        `calico-kubeconfig (written ${k.modifiedAt}) holds token ${token.fingerprint}, which the API server accepts${token.review.username ? ` as ${token.review.username}` : ""}.`,
      );
    } else if (token.review.status === "rejected") {
      fail(
        `the API server rejects token ${token.fingerprint}${token.review.error ? `: ${token.review.error}` : ""}.`,
      );
    } else {
      fail(`TokenReview could not be asked: ${token.review.reason}.`);
    }
  }
  return { ok, lines };
}
