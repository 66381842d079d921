import type { KubeObject } from "../objects.ts";
import type { EventRecorder } from "./events.ts";

/**
 * containerd's error for an image it cannot pull because the registry cannot be resolved (the node's resolver answers
 * SERVFAIL), as the kubelet reports it in the "Failed to pull image" event. A registry-less image is docker.io's.
 */
export function imagePullError(image: string): string {
  const first = image.split("/")[0] ?? "";
  const hasRegistry =
    image.includes("/") && (first.includes(".") || first.includes(":") || first === "localhost");
  const registryHost = !hasRegistry || first === "docker.io" ? "registry-1.docker.io" : first;
  const rest = hasRegistry ? image.slice(first.length + 1) : image;
  const [repository = "", tag = "latest"] = rest.split(":");
  const path = !hasRegistry && !repository.includes("/") ? `library/${repository}` : repository;
  return `failed to pull and unpack image "${image}": failed to resolve reference "${image}": failed to do request: Head "https://${registryHost}/v2/${path}/manifests/${tag}": dial tcp: lookup ${registryHost} on 127.0.0.53:53: server misbehaving`;
}

/**
 * The kubelet's events for one image pull attempt (pkg/kubelet/images/image_manager.go): Pulling, then Failed with
 * containerd's error and "Error: ErrImagePull"; on the next attempt BackOff and "Error: ImagePullBackOff".
 */
export function recordImagePullEvents(
  recorder: EventRecorder,
  pod: KubeObject,
  host: string,
  image: string,
  reason: "ErrImagePull" | "ImagePullBackOff",
): void {
  const source = { component: "kubelet", host };
  const events: Array<{ type: "Normal" | "Warning"; reason: string; message: string }> =
    reason === "ErrImagePull"
      ? [
          { type: "Normal", reason: "Pulling", message: `Pulling image "${image}"` },
          {
            type: "Warning",
            reason: "Failed",
            message: `Failed to pull image "${image}": ${imagePullError(image)}`,
          },
          { type: "Warning", reason: "Failed", message: "Error: ErrImagePull" },
        ]
      : [
          { type: "Normal", reason: "BackOff", message: `Back-off pulling image "${image}"` },
          { type: "Warning", reason: "Failed", message: "Error: ImagePullBackOff" },
        ];
  for (const e of events) recorder.record(pod, { ...e, source });
}
