import { createHash } from "node:crypto";
import type { NewObject } from "../objects.ts";
import { isoSeconds } from "./time.ts";

/** Object builders for what a kubeadm cluster with Calico holds, in the shapes the real controllers and installers use. */

export interface NodeInfo {
  kubeletVersion: string;
  containerRuntimeVersion: string;
  osImage: string;
  kernelVersion: string;
}

export function nodeObject(options: {
  name: string;
  internalIP: string;
  podCIDR: string;
  controlPlane: boolean;
  createdAt: Date;
  info: NodeInfo;
}): NewObject {
  const at = isoSeconds(options.createdAt);
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: {
      name: options.name,
      creationTimestamp: at,
      labels: {
        "beta.kubernetes.io/arch": "amd64",
        "beta.kubernetes.io/os": "linux",
        "kubernetes.io/arch": "amd64",
        "kubernetes.io/hostname": options.name,
        "kubernetes.io/os": "linux",
        ...(options.controlPlane
          ? {
              "node-role.kubernetes.io/control-plane": "",
              "node.kubernetes.io/exclude-from-external-load-balancers": "",
            }
          : {}),
      },
      annotations: {
        "kubeadm.alpha.kubernetes.io/cri-socket": "unix:///var/run/containerd/containerd.sock",
        "node.alpha.kubernetes.io/ttl": "0",
        "volumes.kubernetes.io/controller-managed-attach-detach": "true",
        "projectcalico.org/IPv4Address": `${options.internalIP}/24`,
      },
    },
    spec: {
      podCIDR: options.podCIDR,
      podCIDRs: [options.podCIDR],
      ...(options.controlPlane
        ? { taints: [{ key: "node-role.kubernetes.io/control-plane", effect: "NoSchedule" }] }
        : {}),
    },
    status: {
      capacity: {
        cpu: "4",
        "ephemeral-storage": "101430960Ki",
        "hugepages-2Mi": "0",
        memory: "8137500Ki",
        pods: "110",
      },
      allocatable: {
        cpu: "4",
        "ephemeral-storage": "93478772582",
        "hugepages-2Mi": "0",
        memory: "8035100Ki",
        pods: "110",
      },
      conditions: [
        {
          type: "MemoryPressure",
          status: "False",
          lastHeartbeatTime: at,
          lastTransitionTime: at,
          reason: "KubeletHasSufficientMemory",
          message: "kubelet has sufficient memory available",
        },
        {
          type: "DiskPressure",
          status: "False",
          lastHeartbeatTime: at,
          lastTransitionTime: at,
          reason: "KubeletHasNoDiskPressure",
          message: "kubelet has no disk pressure",
        },
        {
          type: "PIDPressure",
          status: "False",
          lastHeartbeatTime: at,
          lastTransitionTime: at,
          reason: "KubeletHasSufficientPID",
          message: "kubelet has sufficient PID available",
        },
        {
          type: "Ready",
          status: "True",
          lastHeartbeatTime: at,
          lastTransitionTime: at,
          reason: "KubeletReady",
          message: "kubelet is posting ready status",
        },
      ],
      addresses: [
        { type: "InternalIP", address: options.internalIP },
        { type: "Hostname", address: options.name },
      ],
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
      nodeInfo: {
        machineID: hash(`machine-${options.name}`, 32),
        systemUUID: uuidLike(options.name),
        bootID: uuidLike(`boot-${options.name}`),
        kernelVersion: options.info.kernelVersion,
        osImage: options.info.osImage,
        containerRuntimeVersion: options.info.containerRuntimeVersion,
        kubeletVersion: options.info.kubeletVersion,
        kubeProxyVersion: options.info.kubeletVersion,
        operatingSystem: "linux",
        architecture: "amd64",
      },
    },
  };
}

export function namespaceObject(name: string, createdAt: Date): NewObject {
  return {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: {
      name,
      creationTimestamp: isoSeconds(createdAt),
      labels: { "kubernetes.io/metadata.name": name },
    },
    spec: { finalizers: ["kubernetes"] },
    status: { phase: "Active" },
  };
}

export function serviceAccountObject(namespace: string, name: string, createdAt: Date): NewObject {
  return {
    apiVersion: "v1",
    kind: "ServiceAccount",
    metadata: { name, namespace, creationTimestamp: isoSeconds(createdAt) },
  };
}

export function serviceObject(options: {
  namespace: string;
  name: string;
  clusterIP: string;
  selector?: Record<string, string>;
  labels?: Record<string, string>;
  ports: { name?: string; port: number; targetPort: number; protocol?: string }[];
  createdAt: Date;
}): NewObject {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: {
      name: options.name,
      namespace: options.namespace,
      creationTimestamp: isoSeconds(options.createdAt),
      ...(options.labels ? { labels: options.labels } : {}),
    },
    spec: {
      clusterIP: options.clusterIP,
      clusterIPs: [options.clusterIP],
      internalTrafficPolicy: "Cluster",
      ipFamilies: ["IPv4"],
      ipFamilyPolicy: "SingleStack",
      ports: options.ports.map((p) => ({
        ...(p.name ? { name: p.name } : {}),
        port: p.port,
        protocol: p.protocol ?? "TCP",
        targetPort: p.targetPort,
      })),
      ...(options.selector ? { selector: options.selector } : {}),
      sessionAffinity: "None",
      type: "ClusterIP",
    },
    status: { loadBalancer: {} },
  };
}

// biome-ignore lint/suspicious/noExplicitAny: pod specs are plain JSON
export type PodSpec = any;

export interface WorkloadTemplate {
  labels: Record<string, string>;
  spec: PodSpec;
}

/** A Deployment and its ReplicaSet (named with the pod-template-hash, as the Deployment controller names it). */
export function deploymentObjects(options: {
  namespace: string;
  name: string;
  replicas: number;
  template: WorkloadTemplate;
  createdAt: Date;
  labels?: Record<string, string>;
}): { deployment: NewObject; replicaSet: (deploymentUid: string) => NewObject; podTemplateHash: string } {
  const podTemplateHash = hash(`${options.namespace}/${options.name}`, 10, "bcdfghjklmnpqrstvwxz2456789");
  const selector = { matchLabels: options.template.labels };
  const at = isoSeconds(options.createdAt);
  const deployment: NewObject = {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: {
      name: options.name,
      namespace: options.namespace,
      creationTimestamp: at,
      generation: 1,
      labels: options.labels ?? options.template.labels,
      annotations: { "deployment.kubernetes.io/revision": "1" },
    },
    spec: {
      replicas: options.replicas,
      selector,
      strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: "25%", maxUnavailable: "25%" } },
      revisionHistoryLimit: 10,
      progressDeadlineSeconds: 600,
      template: { metadata: { labels: options.template.labels }, spec: options.template.spec },
    },
    status: {},
  };
  const replicaSet = (deploymentUid: string): NewObject => ({
    apiVersion: "apps/v1",
    kind: "ReplicaSet",
    metadata: {
      name: `${options.name}-${podTemplateHash}`,
      namespace: options.namespace,
      creationTimestamp: at,
      generation: 1,
      labels: { ...options.template.labels, "pod-template-hash": podTemplateHash },
      annotations: {
        "deployment.kubernetes.io/desired-replicas": String(options.replicas),
        "deployment.kubernetes.io/max-replicas": String(options.replicas + Math.ceil(options.replicas / 4)),
        "deployment.kubernetes.io/revision": "1",
      },
      ownerReferences: [
        {
          apiVersion: "apps/v1",
          kind: "Deployment",
          name: options.name,
          uid: deploymentUid,
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    spec: {
      replicas: options.replicas,
      selector: { matchLabels: { ...options.template.labels, "pod-template-hash": podTemplateHash } },
      template: {
        metadata: { labels: { ...options.template.labels, "pod-template-hash": podTemplateHash } },
        spec: options.template.spec,
      },
    },
    status: {},
  });
  return { deployment, replicaSet, podTemplateHash };
}

export function daemonSetObject(options: {
  namespace: string;
  name: string;
  template: WorkloadTemplate;
  createdAt: Date;
  labels?: Record<string, string>;
}): NewObject {
  return {
    apiVersion: "apps/v1",
    kind: "DaemonSet",
    metadata: {
      name: options.name,
      namespace: options.namespace,
      creationTimestamp: isoSeconds(options.createdAt),
      generation: 1,
      labels: options.labels ?? options.template.labels,
      annotations: {
        "deprecated.daemonset.template.generation": "1",
        "sim.cni-doctor/revision-hash": hash(options.name, 10, "0123456789abcdef").slice(0, 10),
      },
    },
    spec: {
      selector: { matchLabels: options.template.labels },
      template: { metadata: { labels: options.template.labels }, spec: options.template.spec },
      updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } },
      revisionHistoryLimit: 10,
    },
    status: {},
  };
}

export const TOLERATE_EVERYTHING = [
  { key: "CriticalAddonsOnly", operator: "Exists" },
  { effect: "NoSchedule", operator: "Exists" },
  { effect: "NoExecute", operator: "Exists" },
];

export const CONTROL_PLANE_TOLERATIONS = [
  { key: "node-role.kubernetes.io/control-plane", effect: "NoSchedule" },
  { key: "CriticalAddonsOnly", operator: "Exists" },
];

/** calico-node's pod template for an operator (calico-system) or manifest (kube-system) install. */
export function calicoNodeTemplate(options: {
  install: "operator" | "manifest";
  version: string;
  confDir: string;
}): WorkloadTemplate {
  const image = (name: string) => `docker.io/calico/${name}:${options.version}`;
  const volumes = [
    { name: "cni-net-dir", hostPath: { path: options.confDir, type: "" } },
    { name: "cni-bin-dir", hostPath: { path: "/opt/cni/bin", type: "" } },
    { name: "var-lib-calico", hostPath: { path: "/var/lib/calico", type: "DirectoryOrCreate" } },
    { name: "var-run-calico", hostPath: { path: "/var/run/calico", type: "DirectoryOrCreate" } },
  ];
  const cniMounts = [
    { name: "cni-bin-dir", mountPath: "/host/opt/cni/bin" },
    { name: "cni-net-dir", mountPath: "/host/etc/cni/net.d" },
  ];
  const initContainers =
    options.install === "operator"
      ? [
          { name: "flexvol-driver", image: image("pod2daemon-flexvol"), imagePullPolicy: "IfNotPresent" },
          {
            name: "install-cni",
            image: image("cni"),
            imagePullPolicy: "IfNotPresent",
            command: ["/opt/cni/bin/install"],
            volumeMounts: cniMounts,
          },
        ]
      : [
          {
            name: "upgrade-ipam",
            image: image("cni"),
            imagePullPolicy: "IfNotPresent",
            command: ["/opt/cni/bin/calico-ipam", "-upgrade"],
          },
          {
            name: "install-cni",
            image: image("cni"),
            imagePullPolicy: "IfNotPresent",
            command: ["/opt/cni/bin/install"],
            volumeMounts: cniMounts,
          },
          {
            name: "mount-bpffs",
            image: image("node"),
            imagePullPolicy: "IfNotPresent",
            command: ["calico-node", "-init", "-best-effort"],
          },
        ];
  return {
    labels: {
      "k8s-app": "calico-node",
      ...(options.install === "operator" ? { "app.kubernetes.io/name": "calico-node" } : {}),
    },
    spec: {
      hostNetwork: true,
      dnsPolicy: "ClusterFirstWithHostNet",
      nodeSelector: { "kubernetes.io/os": "linux" },
      priorityClassName: "system-node-critical",
      serviceAccountName: "calico-node",
      serviceAccount: "calico-node",
      terminationGracePeriodSeconds: 5,
      tolerations: TOLERATE_EVERYTHING,
      initContainers,
      containers: [
        {
          name: "calico-node",
          image: image("node"),
          imagePullPolicy: "IfNotPresent",
          env: [
            { name: "DATASTORE_TYPE", value: "kubernetes" },
            { name: "CALICO_NETWORKING_BACKEND", value: "bird" },
            { name: "CALICO_MANAGE_CNI", value: "true" },
            { name: "NODENAME", valueFrom: { fieldRef: { apiVersion: "v1", fieldPath: "spec.nodeName" } } },
          ],
          readinessProbe: {
            exec: { command: ["/bin/calico-node", "-bird-ready", "-felix-ready"] },
            periodSeconds: 10,
            timeoutSeconds: 5,
          },
          volumeMounts: [
            { name: "var-lib-calico", mountPath: "/var/lib/calico" },
            { name: "var-run-calico", mountPath: "/var/run/calico" },
            { name: "cni-net-dir", mountPath: "/host/etc/cni/net.d" },
          ],
        },
      ],
      volumes,
    },
  };
}

/**
 * The cilium agent's pod template as the Cilium Helm chart renders it (cilium/cilium install/kubernetes/cilium
 * templates/cilium-agent/daemonset.yaml): kube-system, `k8s-app: cilium`, host network, the readiness probe on the
 * agent's health port 9879, the CNI conf dir mounted as /host/etc/cni/net.d.
 */
export function ciliumAgentTemplate(options: { version: string; confDir: string }): WorkloadTemplate {
  const image = `quay.io/cilium/cilium:${options.version}`;
  const probe = {
    httpGet: { host: "127.0.0.1", path: "/healthz", port: 9879, scheme: "HTTP" },
    periodSeconds: 30,
    timeoutSeconds: 5,
  };
  return {
    labels: {
      "k8s-app": "cilium",
      "app.kubernetes.io/name": "cilium-agent",
      "app.kubernetes.io/part-of": "cilium",
    },
    spec: {
      hostNetwork: true,
      dnsPolicy: "ClusterFirst",
      nodeSelector: { "kubernetes.io/os": "linux" },
      priorityClassName: "system-node-critical",
      serviceAccountName: "cilium",
      serviceAccount: "cilium",
      terminationGracePeriodSeconds: 1,
      tolerations: [{ operator: "Exists" }],
      initContainers: [
        { name: "config", image, imagePullPolicy: "IfNotPresent", command: ["cilium-dbg", "build-config"] },
        { name: "mount-bpf-fs", image, imagePullPolicy: "IfNotPresent", command: ["/bin/bash", "-c", "--"] },
        {
          name: "clean-cilium-state",
          image,
          imagePullPolicy: "IfNotPresent",
          command: ["/init-container.sh"],
        },
        {
          name: "install-cni-binaries",
          image,
          imagePullPolicy: "IfNotPresent",
          command: ["/install-plugin.sh"],
          volumeMounts: [{ name: "cni-path", mountPath: "/host/opt/cni/bin" }],
        },
      ],
      containers: [
        {
          name: "cilium-agent",
          image,
          imagePullPolicy: "IfNotPresent",
          command: ["cilium-agent"],
          args: ["--config-dir=/tmp/cilium/config-map"],
          readinessProbe: { ...probe, failureThreshold: 3 },
          livenessProbe: { ...probe, failureThreshold: 10 },
          volumeMounts: [
            { name: "etc-cni-netd", mountPath: "/host/etc/cni/net.d" },
            { name: "cilium-run", mountPath: "/var/run/cilium" },
          ],
        },
      ],
      volumes: [
        { name: "etc-cni-netd", hostPath: { path: options.confDir, type: "DirectoryOrCreate" } },
        { name: "cni-path", hostPath: { path: "/opt/cni/bin", type: "DirectoryOrCreate" } },
        { name: "cilium-run", hostPath: { path: "/var/run/cilium", type: "DirectoryOrCreate" } },
      ],
    },
  };
}

export function simplePodSpec(options: {
  containerName: string;
  image: string;
  port?: number;
  hostNetwork?: boolean;
  serviceAccountName?: string;
  tolerations?: unknown[];
  nodeSelector?: Record<string, string>;
  priorityClassName?: string;
}): PodSpec {
  return {
    containers: [
      {
        name: options.containerName,
        image: options.image,
        imagePullPolicy: "IfNotPresent",
        ...(options.port ? { ports: [{ containerPort: options.port, protocol: "TCP" }] } : {}),
        resources: {},
        terminationMessagePath: "/dev/termination-log",
        terminationMessagePolicy: "File",
      },
    ],
    dnsPolicy: options.hostNetwork ? "ClusterFirstWithHostNet" : "ClusterFirst",
    ...(options.hostNetwork ? { hostNetwork: true } : {}),
    restartPolicy: "Always",
    schedulerName: "default-scheduler",
    serviceAccountName: options.serviceAccountName ?? "default",
    serviceAccount: options.serviceAccountName ?? "default",
    terminationGracePeriodSeconds: 30,
    enableServiceLinks: true,
    ...(options.nodeSelector ? { nodeSelector: options.nodeSelector } : {}),
    ...(options.priorityClassName ? { priorityClassName: options.priorityClassName } : {}),
    tolerations: [
      ...(options.tolerations ?? []),
      {
        key: "node.kubernetes.io/not-ready",
        operator: "Exists",
        effect: "NoExecute",
        tolerationSeconds: 300,
      },
      {
        key: "node.kubernetes.io/unreachable",
        operator: "Exists",
        effect: "NoExecute",
        tolerationSeconds: 300,
      },
    ],
  };
}

function hash(text: string, length: number, alphabet = "0123456789abcdef"): string {
  const digest = createHash("sha256").update(text).digest();
  let out = "";
  for (let i = 0; i < length; i++) out += alphabet[(digest[i] as number) % alphabet.length];
  return out;
}

function uuidLike(seed: string): string {
  const h = createHash("sha256").update(seed).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}
