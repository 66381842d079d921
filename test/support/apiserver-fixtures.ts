import type { NewObject } from "../../src/sim/objects.ts";
import type { ObjectStore } from "../../src/sim/store.ts";

/**
 * A small cluster written straight into the store (no cluster model): a control plane and two workers, calico-node
 * pods, a redis deployment whose pod on k8s-worker1 is stuck in ContainerCreating with the Calico Unauthorized
 * sandbox event, and the redis-master Service and Endpoints.
 */
export const FIXTURE_NOW = new Date("2025-06-01T12:00:00Z");

function ago(seconds: number): string {
  return `${new Date(FIXTURE_NOW.getTime() - seconds * 1000).toISOString().slice(0, 19)}Z`;
}

export const SANDBOX_MESSAGE =
  'Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "0a1b2c": plugin type="calico" failed (add): error getting ClusterInformation: connection is unauthorized: Unauthorized';

function node(name: string, ip: string, controlPlane: boolean): NewObject {
  const labels: Record<string, string> = { "kubernetes.io/hostname": name, "kubernetes.io/os": "linux" };
  if (controlPlane) labels["node-role.kubernetes.io/control-plane"] = "";
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: { name, labels, creationTimestamp: ago(86400 * 3) },
    spec: { podCIDR: "10.244.0.0/24" },
    status: {
      addresses: [
        { type: "InternalIP", address: ip },
        { type: "Hostname", address: name },
      ],
      conditions: [
        { type: "Ready", status: "True", reason: "KubeletReady", message: "kubelet is posting ready status" },
      ],
      nodeInfo: {
        kubeletVersion: "v1.32.4",
        osImage: "Ubuntu 22.04.4 LTS",
        kernelVersion: "5.15.0-105-generic",
        containerRuntimeVersion: "containerd://1.7.12",
        architecture: "amd64",
        operatingSystem: "linux",
      },
    },
  };
}

function calicoPod(name: string, nodeName: string, ip: string): NewObject {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name,
      namespace: "calico-system",
      labels: { "k8s-app": "calico-node", "controller-revision-hash": "7d9f5c8b6" },
      creationTimestamp: ago(86400),
      ownerReferences: [
        { apiVersion: "apps/v1", kind: "DaemonSet", name: "calico-node", uid: "ds-uid", controller: true },
      ],
    },
    spec: {
      nodeName,
      hostNetwork: true,
      serviceAccountName: "calico-node",
      terminationGracePeriodSeconds: 5,
      containers: [{ name: "calico-node", image: "docker.io/calico/node:v3.28.0" }],
    },
    status: {
      phase: "Running",
      hostIP: ip,
      podIP: ip,
      podIPs: [{ ip }],
      startTime: ago(86400),
      conditions: [
        { type: "Initialized", status: "True" },
        { type: "Ready", status: "True" },
      ],
      containerStatuses: [
        {
          name: "calico-node",
          ready: true,
          started: true,
          restartCount: 0,
          image: "docker.io/calico/node:v3.28.0",
          state: { running: { startedAt: ago(86400) } },
        },
      ],
    },
  };
}

export const STUCK_POD_UID = "5b0e6a52-3c1e-4a57-9d0e-2f3c4b5a6d7e";

function redisPod(name: string, nodeName: string, running: boolean): NewObject {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name,
      ...(running ? {} : { uid: STUCK_POD_UID }),
      namespace: "default",
      labels: { app: "redis", "pod-template-hash": "5d8b7c9f4" },
      creationTimestamp: ago(600),
    },
    spec: {
      nodeName,
      terminationGracePeriodSeconds: 30,
      containers: [
        {
          name: "master",
          image: "registry.k8s.io/redis:e2e",
          ports: [{ containerPort: 6379, protocol: "TCP" }],
        },
      ],
    },
    status: running
      ? {
          phase: "Running",
          podIP: "10.244.2.7",
          podIPs: [{ ip: "10.244.2.7" }],
          conditions: [{ type: "Ready", status: "True" }],
          containerStatuses: [
            {
              name: "master",
              ready: true,
              started: true,
              restartCount: 3,
              lastState: { terminated: { exitCode: 1, reason: "Error", finishedAt: ago(120) } },
              state: { running: { startedAt: ago(110) } },
            },
          ],
        }
      : {
          phase: "Pending",
          conditions: [{ type: "Ready", status: "False" }],
          containerStatuses: [
            {
              name: "master",
              ready: false,
              started: false,
              restartCount: 0,
              state: { waiting: { reason: "ContainerCreating" } },
            },
          ],
        },
  };
}

export function seedFixtureCluster(store: ObjectStore): void {
  for (const ns of ["default", "kube-system", "calico-system"]) {
    store.create("namespaces", {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: ns, creationTimestamp: ago(86400 * 3) },
      spec: { finalizers: ["kubernetes"] },
      status: { phase: "Active" },
    });
  }
  store.create("nodes", node("k8s-master", "192.168.56.10", true));
  store.create("nodes", node("k8s-worker1", "192.168.56.11", false));
  store.create("nodes", node("k8s-worker2", "192.168.56.12", false));
  store.create("pods", calicoPod("calico-node-4xkzp", "k8s-master", "192.168.56.10"));
  store.create("pods", calicoPod("calico-node-8vq2m", "k8s-worker1", "192.168.56.11"));
  store.create("pods", calicoPod("calico-node-tw7rn", "k8s-worker2", "192.168.56.12"));
  store.create("pods", redisPod("redis-master-5d8b7c9f4-abcde", "k8s-worker1", false));
  store.create("pods", redisPod("redis-master-5d8b7c9f4-fghij", "k8s-worker2", true));
  store.create("pods", {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "unscheduled", namespace: "default", creationTimestamp: ago(30) },
    spec: { containers: [{ name: "c", image: "busybox" }] },
    status: { phase: "Pending" },
  });
  store.create("events", {
    apiVersion: "v1",
    kind: "Event",
    metadata: {
      name: "redis-master-5d8b7c9f4-abcde.17d9a1b2c3d4e5f6",
      namespace: "default",
      creationTimestamp: ago(590),
    },
    involvedObject: {
      kind: "Pod",
      namespace: "default",
      name: "redis-master-5d8b7c9f4-abcde",
      uid: STUCK_POD_UID,
      apiVersion: "v1",
    },
    reason: "FailedCreatePodSandBox",
    message: SANDBOX_MESSAGE,
    source: { component: "kubelet", host: "k8s-worker1" },
    firstTimestamp: ago(590),
    lastTimestamp: ago(20),
    count: 42,
    type: "Warning",
  });
  store.create("events", {
    apiVersion: "v1",
    kind: "Event",
    metadata: {
      name: "redis-master-5d8b7c9f4-abcde.17d9a1b2c3d40000",
      namespace: "default",
      creationTimestamp: ago(600),
    },
    involvedObject: {
      kind: "Pod",
      namespace: "default",
      name: "redis-master-5d8b7c9f4-abcde",
      uid: STUCK_POD_UID,
      apiVersion: "v1",
    },
    reason: "Scheduled",
    message: "Successfully assigned default/redis-master-5d8b7c9f4-abcde to k8s-worker1",
    source: { component: "default-scheduler" },
    firstTimestamp: ago(600),
    lastTimestamp: ago(600),
    count: 1,
    type: "Normal",
  });
  store.create("services", {
    apiVersion: "v1",
    kind: "Service",
    metadata: {
      name: "redis-master",
      namespace: "default",
      labels: { app: "redis" },
      creationTimestamp: ago(600),
    },
    spec: {
      type: "ClusterIP",
      clusterIP: "10.96.120.15",
      clusterIPs: ["10.96.120.15"],
      selector: { app: "redis" },
      ports: [{ port: 6379, targetPort: 6379, protocol: "TCP" }],
    },
  });
  store.create("endpoints", {
    apiVersion: "v1",
    kind: "Endpoints",
    metadata: { name: "redis-master", namespace: "default", creationTimestamp: ago(600) },
    subsets: [
      {
        addresses: [
          {
            ip: "10.244.2.7",
            nodeName: "k8s-worker2",
            targetRef: { kind: "Pod", name: "redis-master-5d8b7c9f4-fghij", namespace: "default" },
          },
        ],
        notReadyAddresses: [{ ip: "10.244.1.9", nodeName: "k8s-worker1" }],
        ports: [{ port: 6379, protocol: "TCP" }],
      },
    ],
  });
  store.create("endpoints", {
    apiVersion: "v1",
    kind: "Endpoints",
    metadata: { name: "empty", namespace: "default", creationTimestamp: ago(600) },
  });
  store.create("endpoints", {
    apiVersion: "v1",
    kind: "Endpoints",
    metadata: { name: "many", namespace: "default", creationTimestamp: ago(600) },
    subsets: [
      {
        addresses: ["10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4", "10.0.0.5"].map((ip) => ({ ip })),
        ports: [{ port: 80, protocol: "TCP" }],
      },
    ],
  });
  store.create("daemonsets", {
    apiVersion: "apps/v1",
    kind: "DaemonSet",
    metadata: {
      name: "calico-node",
      namespace: "calico-system",
      uid: "ds-uid",
      creationTimestamp: ago(86400),
      generation: 1,
    },
    spec: {
      selector: { matchLabels: { "k8s-app": "calico-node" } },
      template: {
        metadata: { labels: { "k8s-app": "calico-node" } },
        spec: {
          nodeSelector: { "kubernetes.io/os": "linux" },
          containers: [{ name: "calico-node", image: "docker.io/calico/node:v3.28.0" }],
        },
      },
    },
    status: {
      desiredNumberScheduled: 3,
      currentNumberScheduled: 3,
      numberReady: 3,
      updatedNumberScheduled: 3,
      numberAvailable: 3,
    },
  });
  store.create("serviceaccounts", {
    apiVersion: "v1",
    kind: "ServiceAccount",
    metadata: { name: "calico-node", namespace: "calico-system", creationTimestamp: ago(86400) },
  });
  store.create("configmaps", {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: "kube-root-ca.crt", namespace: "default", creationTimestamp: ago(86400) },
    data: { "ca.crt": "-----BEGIN CERTIFICATE-----\n...\n-----END CERTIFICATE-----\n" },
  });
}
