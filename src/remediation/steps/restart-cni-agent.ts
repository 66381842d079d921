/**
 * Restarts the CNI agent on one node by deleting its pod (guarded by uid; the DaemonSet starts a replacement, which
 * writes fresh CNI files as it starts), waits for the replacement to be Ready, then has the node's CNI remediator
 * re-inspect the node until its credentials work (Calico: calico-kubeconfig holds a token the API server accepts) —
 * all within the step's deadline.
 */

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
    });
    repair.verified = true;
  },
};

export async function restartCniAgent(
  ctx: StepContext,
  node: string,
  agent: AgentDetail,
  verify: { remediator: CniRemediator; cniConfDir: string; staleTokenFingerprint: string | null },
): Promise<void> {
  const { reader, writer, pods: watcher, policy } = ctx.deps;
  for (const line of agent.whyDown) ctx.ledger.note(`why it was down: ${line}`);
  const pod = await reader.getPod(agent.namespace, agent.pod);
  const label = pod?.metadata?.labels?.["k8s-app"] ?? agent.name;
  const query = {
    namespace: agent.namespace,
    labelSelector: `k8s-app=${label}`,
    fieldSelector: `spec.nodeName=${node}`,
  };
  const oldUid = pod?.metadata?.uid;
  if (pod && oldUid) {
    ctx.ledger.apiCall(`kubectl delete pod -n ${agent.namespace} ${agent.pod} (precondition uid=${oldUid})`);
    const deletion = await writer.deletePod(agent.namespace, agent.pod, oldUid);
    ctx.ledger.note(`pod ${agent.namespace}/${agent.pod}: ${deletion}`);
  } else {
    ctx.ledger.note(`pod ${agent.namespace}/${agent.pod} was already gone; waiting for its replacement`);
  }

  let replacement: V1Pod | undefined;
  try {
    const pods = await watcher.waitForPods({
      query,
      satisfied: (ps) => ps.some((p) => p.metadata?.uid !== oldUid && isPodReady(p)),
      timeoutMs: Math.max(1, ctx.deadline - Date.now()),
      description: `a new ${agent.name} pod on ${node} to become Ready`,
    });
    replacement = pods.find((p) => p.metadata?.uid !== oldUid && isPodReady(p));
  } catch (err) {
    // Only running out of time means "not Ready in time"; a refused or failed wait says what refused it.
    if (!isTimeout(err))
      throw new StepFailure(`waiting for ${agent.name} on ${node}: ${(err as Error).message}`);
    const current = (await reader.listPods(query)).filter((p) => p.metadata?.uid !== oldUid);
    throw new StepFailure(
      `${agent.name} on ${node} did not come back Ready in time: ${current.length === 0 ? "no replacement pod was created" : current.map(describePodState).join("; ")}.`,
    );
  }
  ctx.ledger.note(`replacement ${agent.namespace}/${replacement?.metadata?.name} is Ready`);

  const check = await pollUntil(
    async () => {
      const c = await verify.remediator.verify(nodeCheckContext(ctx), node, {
        cniConfDir: verify.cniConfDir,
        staleTokenFingerprint: verify.staleTokenFingerprint,
        needsCredentials: true,
      });
      return { done: c.ok, value: c };
    },
    ctx.deadline,
    policy.pollIntervalMs,
  );
  for (const line of check.value.lines) ctx.ledger.note(`${node}: ${line}`);
  if (!check.done) {
    throw new StepFailure(
      `${node}'s CNI credentials are still not accepted after the restart: ${check.value.lines.join(" ")}`,
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
