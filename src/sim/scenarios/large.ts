import { ScenarioError } from "./errors.ts";
import type { Scenario } from "./schema.ts";

export interface LargeParameters {
  nodes: number;
  pods: number;
  /** Fraction of worker nodes whose CNI token expired; their pods are stuck. */
  affected: number;
  /** Replicas per Deployment (each Deployment has a Service). */
  podsPerWorkload: number;
  /** Deployments per namespace. */
  workloadsPerNamespace: number;
  /** 1: running pods also carry Pulled/Created/Started events (about 4 events per pod in all); 0: only Scheduled. */
  startEvents: number;
}

const DEFAULTS: LargeParameters = {
  nodes: 1000,
  pods: 30_000,
  affected: 0.05,
  podsPerWorkload: 30,
  workloadsPerNamespace: 20,
  startEvents: 0,
};

/** "nodes=1000,pods=30000,affected=0.05" → parameters; unknown keys and bad values are errors. */
export function parseLargeParameters(text: string): LargeParameters {
  const params = { ...DEFAULTS };
  for (const part of text.split(",").filter((p) => p.trim() !== "")) {
    const [key, value] = part.split("=").map((s) => s.trim());
    const n = Number(value);
    if (!key || !(key in DEFAULTS)) {
      throw new ScenarioError(
        `large scenario: unknown parameter "${key ?? part}"; known: ${Object.keys(DEFAULTS).join(", ")}`,
      );
    }
    if (!Number.isFinite(n) || n < 0 || (key === "affected" ? n > 1 : !Number.isInteger(n))) {
      throw new ScenarioError(
        `large scenario: ${key}=${value} is not valid (affected is a fraction 0..1, the others whole numbers)`,
      );
    }
    params[key as keyof LargeParameters] = n;
  }
  if (params.nodes < 2)
    throw new ScenarioError("large scenario: nodes must be at least 2 (a control plane and a worker)");
  if (params.podsPerWorkload < 1)
    throw new ScenarioError("large scenario: podsPerWorkload must be at least 1");
  return params;
}

/**
 * A big cluster for benchmarks: one control plane, `nodes - 1` workers, Deployments of `podsPerWorkload` pods spread
 * evenly, and a fraction `affected` of workers whose calico-node stopped refreshing a now-expired token (the
 * expired-token incident at scale), so their pods are stuck with the Unauthorized event history.
 */
export function generateLargeScenario(p: LargeParameters): Scenario {
  const workers = p.nodes - 1;
  const affectedCount = Math.round(workers * p.affected);
  // Spread affected nodes evenly rather than first-N, so paging through nodes meets them throughout.
  const affected = new Set<number>();
  for (let i = 0; i < affectedCount; i++) affected.add(Math.floor((i * workers) / affectedCount));
  const nodes: Scenario["nodes"] = [
    {
      name: "k8s-master",
      role: "control-plane",
      internalIP: "10.0.0.10",
      podCIDR: "192.168.0.0/24",
      calicoNode: { state: "running", restarts: 0, refresher: "running" },
      ciliumAgent: { state: "running" },
      cniFiles: [],
    },
  ];
  for (let i = 0; i < workers; i++) {
    const n = i + 1;
    const isAffected = affected.has(i);
    nodes.push({
      name: `k8s-worker${String(n).padStart(4, "0")}`,
      role: "worker",
      internalIP: `10.${1 + Math.floor(n / 65536)}.${Math.floor(n / 256) % 256}.${n % 256}`,
      podCIDR: `10.${128 + Math.floor(n / 256)}.${n % 256}.0/24`,
      calicoNode: isAffected
        ? { state: "running", startedAgo: "30h", restarts: 0, refresher: "stalled" }
        : { state: "running", startedAgo: "3d", restarts: 0, refresher: "running" },
      ciliumAgent: { state: "running" },
      cniFiles: isAffected
        ? [
            {
              kind: "calico-kubeconfig",
              name: "calico-kubeconfig",
              cluster: "current",
              writer: "install-cni",
              tokenIssuedAgo: "30h",
              tokenLifetime: "24h",
            },
          ]
        : [],
    });
  }
  const workloadCount = Math.ceil(p.pods / p.podsPerWorkload);
  const workloads: Scenario["workloads"] = [];
  let remaining = p.pods;
  for (let w = 0; w < workloadCount; w++) {
    const replicas = Math.min(p.podsPerWorkload, remaining);
    remaining -= replicas;
    workloads.push({
      name: `app-${String(w).padStart(4, "0")}`,
      namespace: `team-${String(Math.floor(w / p.workloadsPerNamespace)).padStart(3, "0")}`,
      labels: { app: `app-${String(w).padStart(4, "0")}` },
      replicas,
      image: "registry.k8s.io/e2e-test-images/agnhost:2.47",
      containerName: "agnhost",
      port: 8080,
      service: true,
      createdAgo: "20m",
    });
  }
  return {
    name: `large:nodes=${p.nodes},pods=${p.pods},affected=${p.affected}`,
    description: "Generated benchmark cluster: expired CNI tokens on a fraction of the workers.",
    kubernetesVersion: "v1.29.4",
    containerRuntimeVersion: "containerd://1.7.13",
    osImage: "Ubuntu 22.04.4 LTS",
    kernelVersion: "5.15.0-105-generic",
    syncPeriod: "5s",
    historyRetryInterval: "5s",
    startEvents: p.startEvents > 0,
    cluster: { createdAgo: "40d" },
    calico: { install: "operator", version: "v3.27.2", confDir: "/etc/cni/net.d" },
    nodes,
    workloads,
    unpullableImages: [],
  };
}
