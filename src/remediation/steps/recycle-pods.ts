/**
 * Recycles stuck pods: each is deleted only if it is still the same pod (uid precondition) and still not running —
 * one that recovered on its own after the node was fixed is left alone — then the step waits until each owning
 * controller has as many Ready pods as before plus one per pod it lost.
 */
import type { V1Pod } from "../../kube/types.ts";
import { isPodReady, isTimeout } from "../../kube/wait.ts";
import type { RecyclePodsStep } from "../plan-steps.ts";
import { type StepContext, StepFailure } from "./context.ts";
import type { StepExecutor } from "./registry.ts";

export const recyclePodsExecutor: StepExecutor<RecyclePodsStep> = {
  phase: "cluster",
  before: "recycling pods",
  timeoutMs: (policy) => policy.podReadyTimeoutMs,
  async execute(ctx, step) {
    await recyclePods(ctx, step.pods);
  },
};

export interface RecycleResult {
  deleted: string[];
}

export async function recyclePods(ctx: StepContext, pods: string[]): Promise<RecycleResult> {
  const { reader, writer, pods: watcher } = ctx.deps;
  const deleted: Array<{ key: string; uid: string; owner: OwnerRef | null; namespace: string }> = [];
  /** Per owner, the uids of its pods that were Ready before any deletion (a pod recycled here may be among them). */
  const readyBefore = new Map<string, Set<string>>();
  for (const key of pods) {
    const [namespace = "", name = ""] = key.split("/");
    const pod = await reader.getPod(namespace, name);
    if (!pod) {
      ctx.ledger.note(`${key}: already gone`);
      continue;
    }
    if (isPodReady(pod)) {
      ctx.ledger.note(`${key}: Running and Ready on its own since the node was fixed; left alone`);
      continue;
    }
    if (pod.metadata?.deletionTimestamp) {
      ctx.ledger.note(`${key}: already terminating; its controller replaces it`);
      continue;
    }
    const owner = controllerOf(pod);
    const uid = pod.metadata?.uid ?? "";
    if (owner) {
      const k = ownerKey(namespace, owner);
      if (!readyBefore.has(k))
        readyBefore.set(
          k,
          new Set(
            (await ownedPods(ctx, namespace, owner)).filter(isPodReady).map((p) => p.metadata?.uid ?? ""),
          ),
        );
    }
    ctx.ledger.apiCall(`kubectl delete pod -n ${namespace} ${name} (precondition uid=${uid})`);
    const outcome = await writer.deletePod(namespace, name, uid);
    ctx.ledger.note(
      `${key}: ${outcome === "deleted" ? "deleted" : outcome === "gone" ? "already gone" : "replaced meanwhile by another pod of that name; left alone"}`,
    );
    if (outcome === "deleted") deleted.push({ key, uid, owner, namespace });
  }

  const lost = new Map<string, { namespace: string; owner: OwnerRef; uids: string[] }>();
  for (const d of deleted) {
    if (!d.owner) {
      ctx.ledger.note(`${d.key}: a bare pod, deleted as the approver asked; nothing recreates it`);
      continue;
    }
    const k = ownerKey(d.namespace, d.owner);
    const entry = lost.get(k) ?? { namespace: d.namespace, owner: d.owner, uids: [] };
    entry.uids.push(d.uid);
    lost.set(k, entry);
  }
  for (const [k, { namespace, owner, uids }] of lost) {
    // A pod read as not Ready just before may have turned Ready by the time its owner's pods were counted: it is
    // replaced, so it counts once, among the lost, never also among those that stay.
    const stayed = [...(readyBefore.get(k) ?? [])].filter((uid) => !uids.includes(uid)).length;
    const want = stayed + uids.length;
    try {
      const pods = await watcher.waitForPods({
        query: { namespace },
        satisfied: (ps) => {
          const owned = ps.filter((p) => isOwnedBy(p, owner));
          return (
            owned.every((p) => !uids.includes(p.metadata?.uid ?? "")) &&
            owned.filter(isPodReady).length >= want
          );
        },
        timeoutMs: Math.max(1, ctx.deadline - Date.now()),
        description: `${owner.kind} ${namespace}/${owner.name} to have ${want} Ready pods`,
      });
      const ready = pods
        .filter((p) => isOwnedBy(p, owner) && isPodReady(p))
        .map((p) => `${p.metadata?.name} (${p.spec?.nodeName}, ${p.status?.podIP})`);
      ctx.ledger.note(`${owner.kind} ${namespace}/${owner.name}: Running and Ready: ${ready.join(", ")}`);
    } catch (err) {
      // Only running out of time means "not Ready in time"; a refused or failed wait says what refused it.
      if (!isTimeout(err))
        throw new StepFailure(
          `waiting for ${owner.kind} ${namespace}/${owner.name}: ${(err as Error).message}`,
        );
      const owned = (await ownedPods(ctx, namespace, owner)).map(
        (p) =>
          `${p.metadata?.name} ${p.status?.phase}${isPodReady(p) ? " Ready" : ""} on ${p.spec?.nodeName ?? "?"}`,
      );
      throw new StepFailure(
        `${owner.kind} ${namespace}/${owner.name} did not get ${want} Ready pods in time; now: ${owned.join(", ") || "none"}. Diagnose again to see why.`,
      );
    }
  }
  return { deleted: deleted.map((d) => d.key) };
}

export interface OwnerRef {
  kind: string;
  name: string;
  uid: string | undefined;
}

export function controllerOf(pod: V1Pod): OwnerRef | null {
  const refs = pod.metadata?.ownerReferences ?? [];
  const ref = refs.find((r) => r.controller) ?? refs[0];
  return ref ? { kind: ref.kind, name: ref.name, uid: ref.uid } : null;
}

export function isOwnedBy(pod: V1Pod, owner: OwnerRef): boolean {
  return (pod.metadata?.ownerReferences ?? []).some((r) => r.kind === owner.kind && r.name === owner.name);
}

async function ownedPods(ctx: StepContext, namespace: string, owner: OwnerRef): Promise<V1Pod[]> {
  return (await ctx.deps.reader.listPods({ namespace })).filter((p) => isOwnedBy(p, owner));
}

const ownerKey = (namespace: string, o: OwnerRef) => `${namespace}/${o.kind}/${o.name}`;
