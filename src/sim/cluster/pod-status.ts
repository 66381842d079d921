import type { KubeObject } from "../objects.ts";
import { containerId, isoSeconds } from "./time.ts";

/** Pod status documents as the kubelet writes them for the states the simulation models. */

// biome-ignore lint/suspicious/noExplicitAny: container specs are plain JSON
type Container = any;

function containers(pod: KubeObject): Container[] {
  return pod.spec?.containers ?? [];
}

function initContainers(pod: KubeObject): Container[] {
  return pod.spec?.initContainers ?? [];
}

function condition(type: string, status: "True" | "False", at: string, reason?: string, message?: string) {
  return {
    type,
    status,
    lastProbeTime: null,
    lastTransitionTime: at,
    ...(reason ? { reason } : {}),
    ...(message ? { message } : {}),
  };
}

function hostFields(hostIP: string) {
  return { hostIP, hostIPs: [{ ip: hostIP }] };
}

function unreadyMessage(pod: KubeObject): string {
  return `containers with unready status: [${containers(pod)
    .map((c) => c.name)
    .join(" ")}]`;
}

/** A scheduled, initialised pod whose containers are not running yet; whether its sandbox (network) is up. */
function pendingConditions(pod: KubeObject, at: string, state: { sandboxReady: boolean }) {
  return [
    condition("PodReadyToStartContainers", state.sandboxReady ? "True" : "False", at),
    condition("Initialized", "True", at),
    condition("Ready", "False", at, "ContainersNotReady", unreadyMessage(pod)),
    condition("ContainersReady", "False", at, "ContainersNotReady", unreadyMessage(pod)),
    condition("PodScheduled", "True", at),
  ];
}

/** Waiting for the sandbox (network) before any container can start: `kubectl get` shows ContainerCreating. */
export function containerCreatingStatus(pod: KubeObject, hostIP: string, since: Date): KubeObject["status"] {
  const at = isoSeconds(since);
  return {
    phase: "Pending",
    conditions: pendingConditions(pod, at, { sandboxReady: false }),
    ...hostFields(hostIP),
    startTime: at,
    containerStatuses: containers(pod).map((c) => waitingContainer(c, { reason: "ContainerCreating" })),
    qosClass: "BestEffort",
  };
}

/** All containers running and ready. */
export function runningStatus(
  pod: KubeObject,
  hostIP: string,
  podIP: string,
  startedAt: Date,
): KubeObject["status"] {
  const at = isoSeconds(startedAt);
  return {
    phase: "Running",
    conditions: [
      condition("PodReadyToStartContainers", "True", at),
      condition("Initialized", "True", at),
      condition("Ready", "True", at),
      condition("ContainersReady", "True", at),
      condition("PodScheduled", "True", at),
    ],
    ...hostFields(hostIP),
    podIP,
    podIPs: [{ ip: podIP }],
    startTime: at,
    ...(initContainers(pod).length > 0
      ? {
          initContainerStatuses: initContainers(pod).map((c) => ({
            name: c.name,
            state: {
              terminated: {
                exitCode: 0,
                reason: "Completed",
                startedAt: at,
                finishedAt: at,
                containerID: `containerd://${containerId()}`,
              },
            },
            lastState: {},
            ready: true,
            restartCount: 0,
            image: c.image,
            imageID: imageIdOf(c.image),
            containerID: `containerd://${containerId()}`,
            started: false,
          })),
        }
      : {}),
    containerStatuses: containers(pod).map((c) => ({
      name: c.name,
      state: { running: { startedAt: at } },
      lastState: {},
      ready: true,
      restartCount: 0,
      image: c.image,
      imageID: imageIdOf(c.image),
      containerID: `containerd://${containerId()}`,
      started: true,
    })),
    qosClass: "BestEffort",
  };
}

/**
 * Containers running but failing their readiness probe: Running phase, Ready and ContainersReady False
 * (kubernetes pkg/kubelet/status/generate.go GeneratePodReadyCondition: "containers with unready status").
 */
export function runningNotReadyStatus(
  pod: KubeObject,
  hostIP: string,
  podIP: string,
  startedAt: Date,
): KubeObject["status"] {
  const status = runningStatus(pod, hostIP, podIP, startedAt) as Record<string, unknown> & {
    containerStatuses: { ready: boolean }[];
  };
  const at = isoSeconds(startedAt);
  return {
    ...status,
    conditions: [
      condition("PodReadyToStartContainers", "True", at),
      condition("Initialized", "True", at),
      condition("Ready", "False", at, "ContainersNotReady", unreadyMessage(pod)),
      condition("ContainersReady", "False", at, "ContainersNotReady", unreadyMessage(pod)),
      condition("PodScheduled", "True", at),
    ],
    containerStatuses: status.containerStatuses.map((c) => ({ ...c, ready: false })),
  };
}

/** The main container keeps exiting: Running phase, not Ready, waiting in CrashLoopBackOff. */
export function crashLoopStatus(
  pod: KubeObject,
  hostIP: string,
  startedAt: Date,
  restartCount: number,
  lastFinishedAt: Date,
): KubeObject["status"] {
  const base = runningStatus(pod, hostIP, hostIP, startedAt);
  const at = isoSeconds(lastFinishedAt);
  base.conditions = base.conditions.map((c: { type: string }) =>
    c.type === "Ready" || c.type === "ContainersReady"
      ? condition(c.type, "False", at, "ContainersNotReady", unreadyMessage(pod))
      : c,
  );
  base.containerStatuses = containers(pod).map((c) => ({
    name: c.name,
    state: {
      waiting: {
        reason: "CrashLoopBackOff",
        message: `back-off 5m0s restarting failed container=${c.name} pod=${pod.metadata.name}_${pod.metadata.namespace}(${pod.metadata.uid})`,
      },
    },
    lastState: {
      terminated: {
        exitCode: 1,
        reason: "Error",
        startedAt: isoSeconds(new Date(lastFinishedAt.getTime() - 8_000)),
        finishedAt: at,
        containerID: `containerd://${containerId()}`,
      },
    },
    ready: false,
    restartCount,
    image: c.image,
    imageID: imageIdOf(c.image),
    containerID: `containerd://${containerId()}`,
    started: false,
  }));
  return base;
}

/** The first init container's image cannot be pulled: `kubectl get` shows Init:ErrImagePull / Init:ImagePullBackOff. */
export function initImagePullStatus(
  pod: KubeObject,
  hostIP: string,
  since: Date,
  reason: "ErrImagePull" | "ImagePullBackOff",
  pullError: string,
): KubeObject["status"] {
  const at = isoSeconds(since);
  const inits = initContainers(pod);
  const blocked = inits[0];
  const message = reason === "ErrImagePull" ? pullError : `Back-off pulling image "${blocked?.image ?? ""}"`;
  return {
    phase: "Pending",
    conditions: [
      condition("PodReadyToStartContainers", "True", at),
      condition(
        "Initialized",
        "False",
        at,
        "ContainersNotInitialized",
        `containers with incomplete status: [${inits.map((c) => c.name).join(" ")}]`,
      ),
      condition("Ready", "False", at, "ContainersNotReady", unreadyMessage(pod)),
      condition("ContainersReady", "False", at, "ContainersNotReady", unreadyMessage(pod)),
      condition("PodScheduled", "True", at),
    ],
    ...hostFields(hostIP),
    podIP: hostIP,
    podIPs: [{ ip: hostIP }],
    startTime: at,
    initContainerStatuses: inits.map((c, i) =>
      waitingContainer(c, i === 0 ? { reason, message } : { reason: "PodInitializing" }),
    ),
    containerStatuses: containers(pod).map((c) => waitingContainer(c, { reason: "PodInitializing" })),
    qosClass: "Burstable",
  };
}

/** A pod whose container image cannot be pulled: Pending, that container waiting on ErrImagePull or ImagePullBackOff. */
export function imagePullStatus(
  pod: KubeObject,
  hostIP: string,
  podIP: string,
  since: Date,
  blocked: { image: string; reason: "ErrImagePull" | "ImagePullBackOff"; pullError: string },
): KubeObject["status"] {
  const at = isoSeconds(since);
  const message =
    blocked.reason === "ErrImagePull" ? blocked.pullError : `Back-off pulling image "${blocked.image}"`;
  return {
    phase: "Pending",
    conditions: pendingConditions(pod, at, { sandboxReady: true }),
    ...hostFields(hostIP),
    podIP,
    podIPs: [{ ip: podIP }],
    startTime: at,
    containerStatuses: containers(pod).map((c) =>
      c.image === blocked.image
        ? waitingContainer(c, { reason: blocked.reason, message })
        : waitingContainer(c, { reason: "ContainerCreating" }),
    ),
    qosClass: "BestEffort",
  };
}

/**
 * A pod past its activeDeadlineSeconds: Failed with DeadlineExceeded, its containers killed (kubernetes
 * pkg/kubelet/active_deadline.go: the reason and message; the kubelet then stops the containers).
 */
export function deadlineExceededStatus(pod: KubeObject, at: Date): KubeObject["status"] {
  const when = isoSeconds(at);
  return {
    ...pod.status,
    phase: "Failed",
    reason: "DeadlineExceeded",
    message: DEADLINE_EXCEEDED_MESSAGE,
    conditions: (pod.status?.conditions ?? []).map((c: { type: string }) =>
      c.type === "Ready" || c.type === "ContainersReady"
        ? condition(c.type, "False", when, "PodFailed", "")
        : c,
    ),
    containerStatuses: containers(pod).map((c) => ({
      name: c.name,
      state: {
        terminated: { exitCode: 137, reason: "Error", startedAt: pod.status?.startTime, finishedAt: when },
      },
      lastState: {},
      ready: false,
      restartCount: 0,
      image: c.image,
      imageID: "",
      started: false,
    })),
  };
}

export const DEADLINE_EXCEEDED_MESSAGE = "Pod was active on the node longer than the specified deadline";

/** A pod is Ready when its Ready condition says so. */
export function isPodReady(pod: KubeObject): boolean {
  return (pod.status?.conditions ?? []).some(
    (c: { type: string; status: string }) => c.type === "Ready" && c.status === "True",
  );
}

function imageIdOf(image: string | undefined): string {
  const name = (image ?? "").split(":")[0] ?? "";
  // A stable digest per image name is enough; nothing reads it back.
  let h = 0;
  for (const ch of name) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return `${name}@sha256:${h.toString(16).padStart(8, "0").repeat(8)}`;
}

/** A container the kubelet has not started: waiting for `waiting.reason`, never run, not ready. */
function waitingContainer(c: Container, waiting: { reason: string; message?: string }) {
  return {
    name: c.name,
    state: { waiting },
    lastState: {},
    ready: false,
    restartCount: 0,
    image: c.image,
    imageID: "",
    started: false,
  };
}
