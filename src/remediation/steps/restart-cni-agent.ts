/**
 * Restarts the CNI agent on one node by deleting its pod (guarded by uid, and only when a DaemonSet controls it: the
 * DaemonSet starts a replacement, which writes fresh CNI files as it starts), waits for the replacement to be Running
 * and Ready, then has the node's CNI remediator re-inspect the node until it is sound (its config is the one the
 * runtime uses; Calico: calico-kubeconfig holds a token the API server accepts) — all within the step's deadline.
 */

import { agentKindByName } from "../../cni/identity.ts";
import type { CniRemediator } from "../../cni/remediator.ts";
import type { V1Pod } from "../../kube/types.ts";
import { isPodReady, isTimeout } from "../../kube/wait.ts";
import type { AgentDetail, RestartAgentStep } from "../plan-steps.ts";
import { pollUntil, type StepContext, StepFailure } from "./context.ts";
import { nodeCheckContext } from "./node-check.ts";
import { repairOf } from "./node-repair.ts";
import type { StepExecutor } from "./registry.ts";

export const restartAgentExecutor: StepExecutor<RestartAgentStep> = {
  phase: "node",
  timeoutMs: (policy) => policy.agentReadyTimeoutMs,
  async execute(ctx, step, scope) {
    const repair = repairOf(scope, step);
    const { node } = step;
    const cniConfDir =
      repair.moved?.cniConfDir ??
      ctx.deps.nodeWriter.target(node, (await ctx.nodeInfo(node)).internalIP).cniConfDir;
    await restartCniAgent(ctx, node, step.agent, {
      remediator: repair.remediator,
      cniConfDir,
      staleTokenFingerprint: repair.staleTokenFingerprint,
      movedAside: repair.moved?.moved ?? [],
    });
    repair.verified = true;
  },
};

export async function restartCniAgent(
  ctx: StepContext,
  node: string,
  agent: AgentDetail,
  verify: {
    remediator: CniRemediator;
    cniConfDir: string;
    staleTokenFingerprint: string | null;
    movedAside: readonly string[];
  },
): Promise<void> {
  for (const line of agent.whyDown) ctx.ledger.note(`why it was down: ${line}`);
  const old = await deleteAgentPod(ctx, node, agent);
  const replacement = await waitForReplacement(ctx, node, agent, old);
  ctx.ledger.note(
    `replacement ${agent.namespace}/${replacement?.metadata?.name} is Running and Ready on ${node}`,
  );

  const check = await pollUntil(
    async () => {
      const c = await verify.remediator.verify(nodeCheckContext(ctx), node, {
        cniConfDir: verify.cniConfDir,
        staleTokenFingerprint: verify.staleTokenFingerprint,
        needsCredentials: true,
        movedAside: verify.movedAside,
      });
      return { done: c.ok, value: c };
    },
    ctx.deadline,
    ctx.deps.policy.pollIntervalMs,
  );
  for (const line of check.value.lines) ctx.ledger.note(`${node}: ${line}`);
  if (!check.done) {
    throw new StepFailure(
      `${node}'s CNI is still not sound after restarting ${agent.name}: ${check.value.lines.join(" ")}`,
    );
  }
}

/** The agent pod as it was before the restart: its uid and the DaemonSet that recreates it. */
interface DeletedAgent {
  uid: string | undefined;
  daemonSet: { name: string; uid: string } | null;
}

/**
 * Deletes the agent pod (guarded by uid), only when a DaemonSet controls it: the DaemonSet controller creates a
 * replacement on the same node (kubernetes pkg/controller/daemon/daemon_controller.go, manage: a node that should run
 * the daemon pod and has none gets one). Anything else would leave the node without its agent.
 */
async function deleteAgentPod(ctx: StepContext, node: string, agent: AgentDetail): Promise<DeletedAgent> {
  const { reader, writer } = ctx.deps;
  const pod = await reader.getPod(agent.namespace, agent.pod);
  const oldUid = pod?.metadata?.uid;
  if (!pod || !oldUid) {
    ctx.ledger.note(`pod ${agent.namespace}/${agent.pod} was already gone; waiting for its replacement`);
    return { uid: oldUid, daemonSet: null };
  }
  const controller = (pod.metadata?.ownerReferences ?? []).find((r) => r.controller === true);
  if (controller?.kind !== "DaemonSet") {
    throw new StepFailure(
      `pod ${agent.namespace}/${agent.pod} on ${node} is not controlled by a DaemonSet (${controller ? `its controller is ${controller.kind} ${controller.name}` : "it has no controller"}), so nothing would start a replacement; it was not deleted. Restart ${agent.name} by hand.`,
    );
  }
  ctx.ledger.apiCall(`kubectl delete pod -n ${agent.namespace} ${agent.pod} (precondition uid=${oldUid})`);
  const deletion = await writer.deletePod(agent.namespace, agent.pod, oldUid);
  ctx.ledger.note(`pod ${agent.namespace}/${agent.pod} (DaemonSet ${controller.name}): ${deletion}`);
  return { uid: oldUid, daemonSet: { name: controller.name, uid: controller.uid } };
}

/**
 * Waits, within the step's deadline, for a new pod of the same DaemonSet on the node to be Running and Ready. When the
 * old pod was already gone, its DaemonSet is unknown: the agent's usual labels (src/cni/identity.ts) find it instead.
 */
async function waitForReplacement(
  ctx: StepContext,
  node: string,
  agent: AgentDetail,
  old: DeletedAgent,
): Promise<V1Pod | undefined> {
  const { reader, pods: watcher } = ctx.deps;
  const labelSelector = old.daemonSet
    ? undefined
    : (agentKindByName(agent.name)?.labelSelector ?? `k8s-app=${agent.name}`);
  const query = {
    namespace: agent.namespace,
    ...(labelSelector ? { labelSelector } : {}),
    fieldSelector: `spec.nodeName=${node}`,
  };
  const isReplacement = (p: V1Pod) =>
    p.metadata?.uid !== old.uid &&
    (p.metadata?.ownerReferences ?? []).some(
      (r) =>
        r.controller === true && r.kind === "DaemonSet" && (!old.daemonSet || r.uid === old.daemonSet.uid),
    );
  const ready = (p: V1Pod) => isReplacement(p) && p.status?.phase === "Running" && isPodReady(p);
  try {
    const pods = await watcher.waitForPods({
      query,
      satisfied: (ps) => ps.some(ready),
      timeoutMs: Math.max(1, ctx.deadline - Date.now()),
      description: `a new ${agent.name} pod on ${node} to be Running and Ready`,
    });
    return pods.find(ready);
  } catch (err) {
    // Only running out of time means "not Ready in time"; a refused or failed wait says what refused it.
    if (!isTimeout(err))
      throw new StepFailure(`waiting for ${agent.name} on ${node}: ${(err as Error).message}`);
    const current = (await reader.listPods(query)).filter(isReplacement);
    throw new StepFailure(
      `${agent.name} on ${node} did not come back Ready in time: ${current.length === 0 ? "no replacement pod was created" : current.map(describePodState).join("; ")}.`,
    );
  }
}

function describePodState(p: V1Pod): string {
  const states = [...(p.status?.initContainerStatuses ?? []), ...(p.status?.containerStatuses ?? [])].map(
    (c) => {
      const waiting = c.state?.waiting;
      const terminated = c.state?.terminated;
      const detail = waiting
        ? `waiting: ${waiting.reason ?? "?"}${waiting.message ? ` (${waiting.message.slice(0, 200)})` : ""}`
        : terminated
          ? `terminated: ${terminated.reason ?? "?"}, exit ${terminated.exitCode}`
          : c.ready
            ? "ready"
            : "running, not ready";
      return `${c.name} ${detail}`;
    },
  );
  return `pod ${p.metadata?.name} ${p.status?.phase ?? "?"}${states.length > 0 ? ` [${states.join(", ")}]` : ""}`;
}
