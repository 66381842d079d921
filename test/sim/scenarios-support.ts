import { execFile } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import * as k8s from "@kubernetes/client-node";
import { type RunningSimulatedCluster, startSimulatedCluster } from "../../src/sim/index.ts";

const run = promisify(execFile);

/** A simulated cluster with client-node APIs bound to it. */
export interface Harness {
  sim: RunningSimulatedCluster;
  core: k8s.CoreV1Api;
  apps: k8s.AppsV1Api;
  auth: k8s.AuthenticationV1Api;
  kubeconfigPath: string;
  stop(): Promise<void>;
}

export async function startHarness(scenario: string, syncPeriodMs = 150): Promise<Harness> {
  const sim = await startSimulatedCluster({ scenario, port: 0, syncPeriodMs });
  const kc = new k8s.KubeConfig();
  kc.loadFromString(sim.kubeconfig());
  const kubeconfigPath = join(sim.root, "kubeconfig");
  writeFileSync(kubeconfigPath, sim.kubeconfig(), { mode: 0o600 });
  return {
    sim,
    core: kc.makeApiClient(k8s.CoreV1Api),
    apps: kc.makeApiClient(k8s.AppsV1Api),
    auth: kc.makeApiClient(k8s.AuthenticationV1Api),
    kubeconfigPath,
    stop: () => sim.stop(),
  };
}

/** Polls `probe` until it returns a value other than undefined, or fails after `timeoutMs` naming `what`. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ""}`);
}

export async function podsOn(
  h: Harness,
  namespace: string,
  node: string,
  labelSelector?: string,
): Promise<k8s.V1Pod[]> {
  const list = await h.core.listNamespacedPod({
    namespace,
    fieldSelector: `spec.nodeName=${node}`,
    ...(labelSelector ? { labelSelector } : {}),
  });
  return list.items;
}

export async function calicoNodeOn(
  h: Harness,
  node: string,
  namespace = "calico-system",
): Promise<k8s.V1Pod | undefined> {
  return (await podsOn(h, namespace, node, "k8s-app=calico-node")).find(
    (p) => !p.metadata?.deletionTimestamp,
  );
}

export function isReady(pod: k8s.V1Pod | undefined): boolean {
  return pod?.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;
}

export async function sandboxEvents(
  h: Harness,
  pod: k8s.V1Pod,
  reason = "FailedCreatePodSandBox",
): Promise<k8s.CoreV1Event[]> {
  const list = await h.core.listNamespacedEvent({
    namespace: pod.metadata?.namespace ?? "default",
    fieldSelector: `involvedObject.uid=${pod.metadata?.uid},reason=${reason}`,
  });
  return list.items;
}

export const UNAUTHORIZED =
  'plugin type="calico" failed (add): error getting ClusterInformation: connection is unauthorized: Unauthorized';

/** Runs the real kubectl against the harness; undefined when kubectl is not installed. */
export async function kubectl(h: Harness, ...args: string[]): Promise<string> {
  const { stdout } = await run("kubectl", ["--kubeconfig", h.kubeconfigPath, ...args], { timeout: 30_000 });
  return stdout;
}

/** Why the real kubectl cannot be used here, or undefined when it can. A slow machine is not a reason: no timeout. */
export async function kubectlUnavailableReason(): Promise<string | undefined> {
  try {
    await run("kubectl", ["version", "--client"]);
    return undefined;
  } catch (e) {
    return `kubectl version --client failed: ${(e as Error).message.split("\n")[0]}`;
  }
}

/** Reads the token out of a calico-kubeconfig and decodes its claims (never printed). */
export function tokenClaims(kubeconfig: string): Record<string, unknown> {
  const token = /token: (\S+)/.exec(kubeconfig)?.[1] ?? "";
  return JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString("utf8"));
}
