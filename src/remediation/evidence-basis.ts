/**
 * What a plan rests on: one case per affected node, and the parts of the Diagnosis that would change if the cluster
 * did (no counts, timestamps of the check or free text). Its hash names the backup directory and is part of the
 * plan's digest, so an approval is for this cluster state only. Pure.
 */
import type { RemediationCase } from "../cni/remediator.ts";
import type { CniPlugin } from "../diagnosis/message/classification.ts";
import type { Diagnosis, PodRef, RootCause } from "../diagnosis/model.ts";

/** What the plan rests on: the parts of the Diagnosis that would change if the cluster did. No volatile values. */
export interface EvidenceBasis {
  cluster: { context: string; server: string; caFingerprint: string | null };
  scope: { namespace: string | null; node: string | null };
  nodes: Array<{
    node: string;
    rootCause: RootCause;
    cni: CniPlugin;
    agent: { namespace: string; pod: string } | null;
    confDir: Array<{ name: string; type: string; sizeBytes: number; modifiedAt: string }> | null;
    activeConfig: string | null;
    kubeconfig: {
      status: string;
      caFingerprint: string | null;
      token: string | null;
      review: string | null;
    } | null;
  }>;
  pods: Array<{ pod: string; node: string; reason: string; owner: string | null }>;
}

export function ownerKey(p: PodRef): string {
  return p.owner ? `${p.namespace}/${p.owner.kind}/${p.owner.name}` : "";
}

/** One case per affected node; a node in several findings keeps the first (strongest) root cause and every pod. */
export function nodeCases(diagnosis: Diagnosis): RemediationCase[] {
  const byNode = new Map<string, RemediationCase>();
  for (const finding of diagnosis.findings) {
    for (const node of finding.nodes) {
      const evidence = finding.evidence.nodes.find((n) => n.name === node) ?? null;
      const pods = finding.pods.filter((p) => p.node === node);
      const existing = byNode.get(node);
      if (existing) {
        existing.pods.push(...pods.filter((p) => !existing.pods.some((q) => samePod(p, q))));
        continue;
      }
      byNode.set(node, {
        node,
        rootCause: evidence?.inspection?.verdict.rootCause ?? finding.rootCause,
        cni: finding.cni,
        evidence,
        finding,
        pods: [...pods],
      });
    }
  }
  return [...byNode.values()]
    .map((c) => ({ ...c, pods: [...c.pods].sort((a, b) => podKey(a).localeCompare(podKey(b))) }))
    .sort((a, b) => (a.node < b.node ? -1 : a.node > b.node ? 1 : 0));
}

export const podKey = (p: PodRef) => `${p.namespace}/${p.name}`;
const samePod = (a: PodRef, b: PodRef) => a.namespace === b.namespace && a.name === b.name;

/** The parts of the Diagnosis a plan rests on, without counts, timestamps of the check or free text. */
export function evidenceBasis(diagnosis: Diagnosis, cases: RemediationCase[]): EvidenceBasis {
  return {
    cluster: {
      context: diagnosis.cluster.context,
      server: diagnosis.cluster.server,
      caFingerprint: diagnosis.cluster.caFingerprint,
    },
    scope: diagnosis.scope,
    nodes: cases.map((c) => {
      const i = c.evidence?.inspection ?? null;
      const k = i?.kubeconfig ?? null;
      return {
        node: c.node,
        rootCause: c.rootCause,
        cni: c.cni,
        agent: c.evidence?.agent
          ? { namespace: c.evidence.agent.namespace, pod: c.evidence.agent.pod }
          : null,
        confDir: i
          ? i.confDir.entries.map((e) => ({
              name: e.name,
              type: e.type,
              sizeBytes: e.sizeBytes,
              modifiedAt: e.modifiedAt,
            }))
          : null,
        activeConfig: i?.activeConfig ?? null,
        kubeconfig: k
          ? {
              status: k.status,
              caFingerprint: k.caFingerprint,
              token: k.token?.fingerprint ?? null,
              review: k.token?.review.status ?? null,
            }
          : null,
      };
    }),
    pods: cases
      .flatMap((c) => c.pods)
      .map((p) => ({ pod: podKey(p), node: p.node, reason: p.reason, owner: p.owner ? ownerKey(p) : null }))
      .sort((a, b) => a.pod.localeCompare(b.pod)),
  };
}
