/** A CNI agent pod's state, as data for the Diagnosis and in words for verdicts. Pure. */
import type { V1Pod } from "../../kube/types.ts";
import type { AgentStatus, ContainerState } from "../model.ts";
import { toIso } from "./event-times.ts";

type ContainerStatus = NonNullable<NonNullable<V1Pod["status"]>["containerStatuses"]>[number];

export function agentStatus(pod: V1Pod): AgentStatus {
  const containers = (pod.status?.containerStatuses ?? []).map(containerState);
  const readyCondition = pod.status?.conditions?.find((c) => c.type === "Ready");
  return {
    namespace: pod.metadata?.namespace ?? "",
    pod: pod.metadata?.name ?? "",
    phase: pod.status?.phase ?? "Unknown",
    ready: readyCondition?.status === "True" && !pod.metadata?.deletionTimestamp,
    restarts: containers.reduce((n, c) => n + c.restartCount, 0),
    startedAt: toIso(pod.status?.startTime),
    containers,
    initContainers: (pod.status?.initContainerStatuses ?? []).map(containerState),
  };
}

function containerState(c: ContainerStatus): ContainerState {
  const [kind, detail] = c.state?.running
    ? ["running", null]
    : c.state?.waiting
      ? ["waiting", c.state.waiting.reason]
      : c.state?.terminated
        ? ["terminated", c.state.terminated.reason]
        : ["unknown", null];
  const last = c.lastState?.terminated;
  return {
    name: c.name,
    ready: c.ready,
    restartCount: c.restartCount,
    state: detail ? `${kind}: ${detail}` : (kind as string),
    lastTermination: last
      ? {
          reason: last.reason ?? "",
          exitCode: last.exitCode,
          finishedAt: toIso(last.finishedAt),
          message: last.message ?? null,
        }
      : null,
  };
}

/** E.g. "calico-node pod calico-node-x is not Ready (waiting: CrashLoopBackOff), 4 restarts". */
export function describeAgent(agent: AgentStatus | null, agentLabel: string): string {
  if (!agent) return `No ${agentLabel} pod runs on the node`;
  // kubectl shows a pod stuck in an init container as Init:<reason> (Init:ErrImagePull); its main containers only
  // say PodInitializing, which hides why.
  const initWaiting = (agent.initContainers ?? []).find((c) => c.state.startsWith("waiting"));
  const waiting = agent.containers.find((c) => c.state.startsWith("waiting"));
  const shown = initWaiting
    ? `Init:${initWaiting.state.replace(/^waiting: /, "")} in init container ${initWaiting.name}`
    : waiting?.state;
  const state = agent.ready ? "is Ready" : `is not Ready (${shown ?? agent.phase})`;
  return `${agentLabel} pod ${agent.pod} ${state}, ${agent.restarts} restart${agent.restarts === 1 ? "" : "s"}`;
}
