import { randomBytes, randomUUID } from "node:crypto";
import type { KubeObject, NewObject } from "../objects.ts";
import type { Scenario, ScenarioCniFile, ScenarioNode } from "../scenarios/schema.ts";
import { ObjectStore } from "../store.ts";
import { CalicoAgent, type CalicoNodePlan } from "./calico-agent.ts";
import { CiliumAgent, type CiliumAgentPlan } from "./cilium-agent.ts";
import {
  CALICO_CONFLIST_MODE,
  CALICO_KUBECONFIG_MODE,
  CILIUM_CONFLIST_MODE,
  calicoConflist,
  calicoKubeconfigFromInstallCni,
  calicoKubeconfigFromRefresher,
  ciliumConflist,
  multusShimConf,
} from "./cni-files.ts";
import { judgeNodeNetwork, type NetworkVerdict } from "./cni-runtime.ts";
import { DaemonSetController, daemonPod } from "./controllers/daemonset.ts";
import { DeploymentStatusController } from "./controllers/deployment.ts";
import { EndpointsController } from "./controllers/endpoints.ts";
import { EndpointSliceController } from "./controllers/endpointslices.ts";
import { NamespaceController } from "./controllers/namespaces.ts";
import { NodeLeaseRenewer } from "./controllers/node-lease.ts";
import { ReplicaSetController, replicaSetPod } from "./controllers/replicaset.ts";
import { recordSchedulerEvent, Scheduler } from "./controllers/scheduler.ts";
import { EventRecorder } from "./events.ts";
import { type ClusterIdentity, createClusterIdentity } from "./identity.ts";
import { Kubelet, recordContainerStarts } from "./kubelet.ts";
import {
  CONTROL_PLANE_TOLERATIONS,
  calicoNodeTemplate,
  ciliumAgentTemplate,
  daemonSetObject,
  deploymentObjects,
  namespaceObject,
  nodeObject,
  serviceAccountObject,
  serviceObject,
  simplePodSpec,
  TOLERATE_EVERYTHING,
  type WorkloadTemplate,
} from "./manifests.ts";
import { DEFAULT_CNI_CONF_DIR, NodeFilesystem } from "./node-filesystem.ts";
import { PodIpAllocator } from "./node-ipam.ts";
import { runningStatus } from "./pod-status.ts";
import type { SimNode } from "./sim-node.ts";
import { isoSeconds, parseDuration } from "./time.ts";
import { signServiceAccountToken, TokenAuthority } from "./token-authority.ts";

export interface BuildOptions {
  rootDir: string;
  /** Overrides the scenario's kubelet sync period. */
  syncPeriodMs?: number;
  /** How long the kubelet waits before retrying a pod whose sandbox failed; default: the sync period. */
  sandboxRetryMs?: number;
}

/**
 * A running simulated cluster: the object store (what the API server serves), the token authority, the nodes'
 * filesystems, and the loops that act on them (kubelets, calico-node, controllers). Built from a scenario, which
 * describes the cluster as it is at the moment the simulation starts, history included.
 */
export class SimulatedCluster {
  readonly scenario: Scenario;
  readonly store: ObjectStore;
  readonly identity: ClusterIdentity;
  readonly previousIdentity: ClusterIdentity | undefined;
  readonly authority: TokenAuthority;
  readonly adminToken: string;
  readonly nodes: Map<string, SimNode>;
  readonly calicoNamespace: string;
  readonly syncPeriodMs: number;
  private readonly recorder: EventRecorder;
  private readonly loops: { start(): void; stop(): void }[] = [];
  private readonly kubelet: Kubelet;
  private readonly calico: CalicoAgent;
  /** The cilium agents, in a Cilium scenario. */
  readonly cilium: CiliumAgent | undefined;
  private readonly namespaces: NamespaceController;
  /** Images each node cannot pull, by image. */
  private readonly unpullable = new Map<string, Set<string>>();

  private constructor(parts: {
    scenario: Scenario;
    rootDir: string;
    identity: ClusterIdentity;
    previousIdentity: ClusterIdentity | undefined;
    syncPeriodMs: number;
    sandboxRetryMs: number | undefined;
  }) {
    this.scenario = parts.scenario;
    this.identity = parts.identity;
    this.previousIdentity = parts.previousIdentity;
    this.syncPeriodMs = parts.syncPeriodMs;
    this.store = new ObjectStore({ historyLimit: 200_000 });
    this.adminToken = randomBytes(32).toString("base64url");
    this.authority = new TokenAuthority(this.store, this.identity, this.adminToken);
    this.recorder = new EventRecorder(this.store);
    this.calicoNamespace = parts.scenario.calico?.install === "manifest" ? "kube-system" : "calico-system";
    this.nodes = new Map(
      parts.scenario.nodes.map((n) => [
        n.name,
        {
          name: n.name,
          internalIP: n.internalIP,
          podCIDR: n.podCIDR,
          controlPlane: n.role === "control-plane",
          fs: new NodeFilesystem(parts.rootDir, n.name, n.confDir ?? DEFAULT_CNI_CONF_DIR),
          ipam: new PodIpAllocator(n.podCIDR),
        },
      ]),
    );
    const plans = new Map<string, CalicoNodePlan>(
      parts.scenario.nodes.map((n) => [
        n.name,
        {
          current: n.calicoNode.state,
          replacement:
            n.calicoNode.replacement ?? (n.calicoNode.state === "crash-loop" ? "crash-loop" : "running"),
          refresher: n.calicoNode.refresher,
        },
      ]),
    );
    // Without Calico in the scenario no calico-node pod exists, and the Calico model has nothing to act on.
    this.calico = new CalicoAgent({
      store: this.store,
      authority: this.authority,
      recorder: this.recorder,
      nodes: this.nodes,
      caPem: this.identity.ca.certPem,
      namespace: this.calicoNamespace,
      cniServiceAccount: cniServiceAccountFor(parts.scenario.calico?.version ?? "v3.27.0"),
      confDir: parts.scenario.calico?.confDir ?? DEFAULT_CNI_CONF_DIR,
      plans,
      startDelayMs: Math.max(50, Math.floor(this.syncPeriodMs / 2)),
      refreshIntervalMs: Math.max(5_000, this.syncPeriodMs * 30),
      crashIntervalMs: Math.max(200, this.syncPeriodMs * 3),
    });
    this.cilium = parts.scenario.cilium
      ? new CiliumAgent({
          store: this.store,
          recorder: this.recorder,
          nodes: this.nodes,
          namespace: CILIUM_NAMESPACE,
          confDir: parts.scenario.cilium.confDir,
          plans: new Map<string, CiliumAgentPlan>(
            parts.scenario.nodes.map((n) => [
              n.name,
              { current: n.ciliumAgent.state, replacement: n.ciliumAgent.replacement ?? "running" },
            ]),
          ),
          startDelayMs: Math.max(50, Math.floor(this.syncPeriodMs / 2)),
          probeIntervalMs: Math.max(1_000, this.syncPeriodMs * 5),
        })
      : undefined;
    const cilium = this.cilium;
    this.kubelet = new Kubelet({
      store: this.store,
      recorder: this.recorder,
      authority: this.authority,
      nodes: this.nodes,
      syncPeriodMs: this.syncPeriodMs,
      ...(parts.sandboxRetryMs ? { sandboxRetryMs: parts.sandboxRetryMs } : {}),
      startedElsewhere: (pod) => this.calico.owns(pod) || (cilium?.owns(pod) ?? false),
      ...(cilium ? { ciliumAgentRunning: (node: string) => cilium.isServing(node) } : {}),
      cannotPull: (image, node) => this.unpullable.get(image)?.has(node) ?? false,
    });
    for (const u of parts.scenario.unpullableImages)
      this.setImagePullable(u.image, false, u.nodes ?? parts.scenario.nodes.map((n) => n.name));
    this.namespaces = new NamespaceController(this.store, this.identity.ca.certPem);
    this.loops.push(
      this.namespaces,
      new Scheduler(this.store),
      new ReplicaSetController(this.store),
      new DeploymentStatusController(this.store),
      new DaemonSetController(this.store),
      new EndpointsController(this.store),
      new EndpointSliceController(this.store),
      new NodeLeaseRenewer(this.store),
      this.calico,
      ...(this.cilium ? [this.cilium] : []),
      this.kubelet,
    );
  }

  static async build(scenario: Scenario, options: BuildOptions): Promise<SimulatedCluster> {
    const now = Date.now();
    const [identity, previousIdentity] = await Promise.all([
      createClusterIdentity("current", new Date(now - parseDuration(scenario.cluster.createdAgo))),
      scenario.cluster.previous
        ? createClusterIdentity(
            "previous",
            new Date(now - parseDuration(scenario.cluster.previous.createdAgo)),
          )
        : Promise.resolve(undefined),
    ]);
    const cluster = new SimulatedCluster({
      scenario,
      rootDir: options.rootDir,
      identity,
      previousIdentity,
      syncPeriodMs: options.syncPeriodMs ?? parseDuration(scenario.syncPeriod),
      sandboxRetryMs: options.sandboxRetryMs,
    });
    await Promise.all([...cluster.nodes.values()].map((n) => n.fs.prepare()));
    await new ClusterSetup(
      cluster,
      cluster.recorder,
      cluster.kubelet,
      cluster.calico,
      cluster.namespaces,
    ).run();
    return cluster;
  }

  start(): void {
    for (const loop of this.loops) loop.start();
  }

  stop(): void {
    for (const loop of [...this.loops].reverse()) loop.stop();
  }

  /**
   * Makes an image pullable again, or not, on these nodes (default: every node), as a registry a node cannot reach:
   * its pods wait on ErrImagePull and ImagePullBackOff.
   */
  setImagePullable(image: string, pullable: boolean, nodes: string[] = [...this.nodes.keys()]): void {
    const blocked = this.unpullable.get(image) ?? new Set<string>();
    for (const n of nodes) {
      if (pullable) blocked.delete(n);
      else blocked.add(n);
    }
    this.unpullable.set(image, blocked);
  }

  nodeRoot(node: string): string {
    const n = this.nodes.get(node);
    if (!n)
      throw new Error(
        `unknown node "${node}": the cluster has ${[...this.nodes.keys()].slice(0, 10).join(", ")}`,
      );
    return n.fs.root;
  }

  calicoNodePod(pod: { metadata: { namespace?: string; labels?: Record<string, string> } }): boolean {
    return (
      pod.metadata.namespace === this.calicoNamespace && pod.metadata.labels?.["k8s-app"] === "calico-node"
    );
  }

  /** A CNI agent's pod, which its agent model brings up rather than the kubelet. */
  cniAgentPod(pod: KubeObject | NewObject): boolean {
    return this.calicoNodePod(pod) || (this.cilium?.owns(pod as KubeObject) ?? false);
  }

  /** The conf dir the scenario's CNI writes into. */
  get cniConfDir(): string {
    return this.scenario.calico?.confDir ?? this.scenario.cilium?.confDir ?? DEFAULT_CNI_CONF_DIR;
  }
}

/** The Cilium Helm chart installs into kube-system. */
const CILIUM_NAMESPACE = "kube-system";

/** From v3.26 Calico's CNI plugin has its own service account (calico-cni-plugin); before, it used calico-node's. */
export function cniServiceAccountFor(version: string): string {
  const [major, minor] = version.replace(/^v/, "").split(".").map(Number) as [number, number];
  return major > 3 || (major === 3 && minor >= 26) ? "calico-cni-plugin" : "calico-node";
}

/** Puts the scenario's world into the store and onto the node filesystems, before any loop runs. */
class ClusterSetup {
  private readonly c: SimulatedCluster;
  private readonly recorder: EventRecorder;
  private readonly kubelet: Kubelet;
  private readonly calico: CalicoAgent;
  private readonly namespaces: NamespaceController;
  private readonly now = Date.now();
  private readonly clusterCreatedAt: Date;
  private readonly stuckPods: { pod: KubeObject; createdAt: Date }[] = [];
  private readonly verdicts = new Map<string, NetworkVerdict>();
  private nextClusterIP = 10;

  constructor(
    c: SimulatedCluster,
    recorder: EventRecorder,
    kubelet: Kubelet,
    calico: CalicoAgent,
    namespaces: NamespaceController,
  ) {
    this.c = c;
    this.recorder = recorder;
    this.kubelet = kubelet;
    this.calico = calico;
    this.namespaces = namespaces;
    this.clusterCreatedAt = this.ago(c.scenario.cluster.createdAgo);
  }

  private ago(duration: string): Date {
    return new Date(this.now - parseDuration(duration));
  }

  private after(base: Date, ms: number): Date {
    return new Date(Math.min(this.now, base.getTime() + ms));
  }

  async run(): Promise<void> {
    const s = this.c.scenario;
    const store = this.c.store;
    const created = this.clusterCreatedAt;
    const namespaces = ["default", "kube-system", "kube-public", "kube-node-lease"];
    if (s.calico?.install === "operator")
      namespaces.push("tigera-operator", "calico-system", "calico-apiserver");
    for (const w of s.workloads) if (!namespaces.includes(w.namespace)) namespaces.push(w.namespace);
    for (const ns of namespaces) {
      store.create("namespaces", namespaceObject(ns, created));
      this.namespaces.ensure(ns);
    }
    for (const pc of systemPriorityClasses(created)) store.create("priorityclasses", pc);
    store.create(
      "services",
      serviceObject({
        namespace: "default",
        name: "kubernetes",
        clusterIP: "10.96.0.1",
        labels: { component: "apiserver", provider: "kubernetes" },
        ports: [{ name: "https", port: 443, targetPort: 6443 }],
        createdAt: created,
      }),
    );
    const master = s.nodes.find((n) => n.role === "control-plane") as ScenarioNode;
    store.create("endpoints", {
      apiVersion: "v1",
      kind: "Endpoints",
      metadata: {
        name: "kubernetes",
        namespace: "default",
        labels: { "endpointslice.kubernetes.io/skip-mirror": "true" },
      },
      subsets: [
        { addresses: [{ ip: master.internalIP }], ports: [{ name: "https", port: 6443, protocol: "TCP" }] },
      ],
    });

    for (const n of s.nodes) {
      store.create(
        "nodes",
        nodeObject({
          name: n.name,
          internalIP: n.internalIP,
          podCIDR: n.podCIDR,
          controlPlane: n.role === "control-plane",
          createdAt: n.joinedAgo ? this.ago(n.joinedAgo) : created,
          info: {
            kubeletVersion: s.kubernetesVersion,
            containerRuntimeVersion: s.containerRuntimeVersion,
            osImage: s.osImage,
            kernelVersion: s.kernelVersion,
          },
        }),
      );
    }
    // calico-node first: its install-cni writes the conf dirs, then the scenario's files land on top, and only then
    // does each node's network decide the fate of the pods already scheduled there.
    if (s.calico) await this.calicoNodes(s.calico);
    if (s.cilium) this.ciliumAgents(s.cilium);
    for (const n of s.nodes) await this.applyCniFiles(n);
    const cilium = this.c.cilium;
    for (const node of this.c.nodes.values()) {
      this.verdicts.set(
        node.name,
        await judgeNodeNetwork(node.fs, {
          authority: this.c.authority,
          ...(cilium ? { ciliumAgentRunning: (n: string) => cilium.isServing(n) } : {}),
        }),
      );
    }
    this.controlPlane(master);
    if (s.calico) this.calicoDeployments(master, s.calico);
    if (s.cilium) this.ciliumOperator(master, s.cilium);
    this.workloads();
    const retryMs = parseDuration(s.historyRetryInterval);
    for (const { pod, createdAt } of this.stuckPods)
      await this.kubelet.replayStuckHistory(pod, createdAt, retryMs);
  }

  private clusterIP(): string {
    this.nextClusterIP++;
    return `10.96.${Math.floor(this.nextClusterIP / 250)}.${this.nextClusterIP % 250}`;
  }

  /** Static control-plane pods, kube-proxy everywhere, CoreDNS on the control plane. */
  private controlPlane(master: ScenarioNode): void {
    const s = this.c.scenario;
    const store = this.c.store;
    const created = this.clusterCreatedAt;
    const version = s.kubernetesVersion;
    for (const [component, image] of [
      ["etcd", "registry.k8s.io/etcd:3.5.12-0"],
      ["kube-apiserver", `registry.k8s.io/kube-apiserver:${version}`],
      ["kube-controller-manager", `registry.k8s.io/kube-controller-manager:${version}`],
      ["kube-scheduler", `registry.k8s.io/kube-scheduler:${version}`],
    ] as const) {
      this.bootPod(
        {
          apiVersion: "v1",
          kind: "Pod",
          metadata: {
            name: `${component}-${master.name}`,
            namespace: "kube-system",
            creationTimestamp: isoSeconds(created),
            labels: { component, tier: "control-plane" },
            annotations: { "kubernetes.io/config.source": "file" },
            ownerReferences: [
              {
                apiVersion: "v1",
                kind: "Node",
                name: master.name,
                uid: store.mustGet("nodes", undefined, master.name).metadata.uid,
                controller: true,
              },
            ],
          },
          spec: {
            ...simplePodSpec({
              containerName: component,
              image,
              hostNetwork: true,
              priorityClassName: "system-node-critical",
              tolerations: [{ operator: "Exists", effect: "NoExecute" }],
            }),
            nodeName: master.name,
          },
        },
        created,
      );
    }
    const kubeProxy = daemonSetObject({
      namespace: "kube-system",
      name: "kube-proxy",
      labels: { "k8s-app": "kube-proxy" },
      template: {
        labels: { "k8s-app": "kube-proxy" },
        spec: simplePodSpec({
          containerName: "kube-proxy",
          image: `registry.k8s.io/kube-proxy:${version}`,
          hostNetwork: true,
          serviceAccountName: "kube-proxy",
          tolerations: TOLERATE_EVERYTHING,
          nodeSelector: { "kubernetes.io/os": "linux" },
          priorityClassName: "system-node-critical",
        }),
      },
      createdAt: created,
    });
    store.create("serviceaccounts", serviceAccountObject("kube-system", "kube-proxy", created));
    this.daemonSet(kubeProxy, () => created);
    store.create("serviceaccounts", serviceAccountObject("kube-system", "coredns", created));
    this.deployment({
      namespace: "kube-system",
      name: "coredns",
      replicas: 2,
      labels: { "k8s-app": "kube-dns" },
      template: {
        labels: { "k8s-app": "kube-dns" },
        spec: simplePodSpec({
          containerName: "coredns",
          image: "registry.k8s.io/coredns/coredns:v1.11.1",
          port: 53,
          serviceAccountName: "coredns",
          tolerations: CONTROL_PLANE_TOLERATIONS,
          nodeSelector: { "kubernetes.io/os": "linux" },
          priorityClassName: "system-cluster-critical",
        }),
      },
      createdAt: new Date(created.getTime() + 60_000),
      placement: [master.name],
      service: {
        name: "kube-dns",
        clusterIP: "10.96.0.10",
        ports: [
          { name: "dns", port: 53, targetPort: 53, protocol: "UDP" },
          { name: "dns-tcp", port: 53, targetPort: 53 },
          { name: "metrics", port: 9153, targetPort: 9153 },
        ],
      },
    });
  }

  private async calicoNodes(calico: NonNullable<Scenario["calico"]>): Promise<void> {
    const s = this.c.scenario;
    const store = this.c.store;
    const ns = this.c.calicoNamespace;
    const installedAt = this.calicoInstalledAt;
    store.create("serviceaccounts", serviceAccountObject(ns, "calico-node", installedAt));
    store.create("serviceaccounts", serviceAccountObject(ns, "calico-kube-controllers", installedAt));
    if (cniServiceAccountFor(calico.version) === "calico-cni-plugin") {
      store.create("serviceaccounts", serviceAccountObject(ns, "calico-cni-plugin", installedAt));
    }
    const ds = daemonSetObject({
      namespace: ns,
      name: "calico-node",
      labels: { "k8s-app": "calico-node" },
      template: calicoNodeTemplate({
        install: calico.install,
        version: calico.version,
        confDir: calico.confDir,
      }),
      createdAt: installedAt,
    });
    const nodeSpecs = new Map(s.nodes.map((n) => [n.name, n]));
    const started = this.daemonSet(ds, (node) => {
      const spec = nodeSpecs.get(node);
      return spec?.calicoNode.startedAgo
        ? this.ago(spec.calicoNode.startedAgo)
        : this.after(installedAt, 30_000);
    });
    // Boot each agent as it was when it started: install-cni's files carry that time.
    await Promise.all(
      started.map(({ pod, createdAt }) =>
        this.calico.bootPod(pod, createdAt, nodeSpecs.get(pod.spec.nodeName)?.calicoNode.restarts ?? 0),
      ),
    );
  }

  /** When the scenario's CNI was installed: two minutes after `kubeadm init`. */
  private get cniInstalledAt(): Date {
    return new Date(this.clusterCreatedAt.getTime() + 120_000);
  }

  private get calicoInstalledAt(): Date {
    return this.cniInstalledAt;
  }

  /**
   * The cilium DaemonSet and its pods, each brought up by the Cilium model as it was when it started: a running agent
   * wrote `05-cilium.conflist` then; a not-ready one started since (after the node rebooted, say) and the config an
   * earlier agent wrote at install is what lies in the conf dir.
   */
  private ciliumAgents(cilium: NonNullable<Scenario["cilium"]>): void {
    const s = this.c.scenario;
    const store = this.c.store;
    const agents = this.c.cilium as CiliumAgent;
    const installedAt = this.cniInstalledAt;
    store.create("serviceaccounts", serviceAccountObject(CILIUM_NAMESPACE, "cilium", installedAt));
    store.create("serviceaccounts", serviceAccountObject(CILIUM_NAMESPACE, "cilium-operator", installedAt));
    const ds = daemonSetObject({
      namespace: CILIUM_NAMESPACE,
      name: "cilium",
      labels: { "k8s-app": "cilium", "app.kubernetes.io/part-of": "cilium" },
      template: ciliumAgentTemplate({ version: cilium.version, confDir: cilium.confDir }),
      createdAt: installedAt,
    });
    const nodeSpecs = new Map(s.nodes.map((n) => [n.name, n]));
    const started = this.daemonSet(ds, (node) => {
      const spec = nodeSpecs.get(node);
      return spec?.ciliumAgent.startedAgo
        ? this.ago(spec.ciliumAgent.startedAgo)
        : this.after(installedAt, 30_000);
    });
    for (const { pod, createdAt } of started) {
      const node = this.c.nodes.get(pod.spec.nodeName) as SimNode;
      if (nodeSpecs.get(node.name)?.ciliumAgent.state === "not-ready") {
        node.fs.write(`${cilium.confDir}/05-cilium.conflist`, ciliumConflist(), {
          mode: CILIUM_CONFLIST_MODE,
          modifiedAt: this.after(installedAt, 30_000),
        });
      }
      agents.bootPod(pod, createdAt);
    }
  }

  /** cilium-operator, one replica on the control plane (the chart's default is two, one per node where it can). */
  private ciliumOperator(master: ScenarioNode, cilium: NonNullable<Scenario["cilium"]>): void {
    this.deployment({
      namespace: CILIUM_NAMESPACE,
      name: "cilium-operator",
      replicas: 1,
      labels: { "io.cilium/app": "operator", name: "cilium-operator" },
      template: {
        labels: { "io.cilium/app": "operator", name: "cilium-operator" },
        spec: simplePodSpec({
          containerName: "cilium-operator",
          image: `quay.io/cilium/operator-generic:${cilium.version}`,
          hostNetwork: true,
          serviceAccountName: "cilium-operator",
          tolerations: [{ operator: "Exists" }],
          priorityClassName: "system-cluster-critical",
        }),
      },
      createdAt: this.cniInstalledAt,
      placement: [master.name],
    });
  }

  private calicoDeployments(master: ScenarioNode, calico: NonNullable<Scenario["calico"]>): void {
    const store = this.c.store;
    const ns = this.c.calicoNamespace;
    const installedAt = this.calicoInstalledAt;
    if (calico.install === "operator") {
      store.create(
        "serviceaccounts",
        serviceAccountObject("tigera-operator", "tigera-operator", installedAt),
      );
      this.deployment({
        namespace: "tigera-operator",
        name: "tigera-operator",
        replicas: 1,
        labels: { "k8s-app": "tigera-operator" },
        template: {
          labels: { name: "tigera-operator", "k8s-app": "tigera-operator" },
          spec: simplePodSpec({
            containerName: "tigera-operator",
            image: "quay.io/tigera/operator:v1.32.5",
            hostNetwork: true,
            serviceAccountName: "tigera-operator",
            tolerations: TOLERATE_EVERYTHING,
          }),
        },
        createdAt: installedAt,
        placement: [master.name],
      });
    }
    this.deployment({
      namespace: ns,
      name: "calico-kube-controllers",
      replicas: 1,
      labels: { "k8s-app": "calico-kube-controllers" },
      template: {
        labels: { "k8s-app": "calico-kube-controllers" },
        spec: simplePodSpec({
          containerName: "calico-kube-controllers",
          image: `docker.io/calico/kube-controllers:${calico.version}`,
          serviceAccountName: "calico-kube-controllers",
          tolerations: CONTROL_PLANE_TOLERATIONS,
          priorityClassName: "system-cluster-critical",
        }),
      },
      createdAt: installedAt,
      placement: [master.name],
    });
  }

  /** Creates a DaemonSet and its pods, already bound; returns the pods. */
  private daemonSet(
    ds: NewObject,
    startedAt: (node: string) => Date,
  ): { pod: KubeObject; createdAt: Date }[] {
    const store = this.c.store;
    const created = store.create("daemonsets", ds);
    const out: { pod: KubeObject; createdAt: Date }[] = [];
    for (const node of this.c.nodes.values()) {
      const at = startedAt(node.name);
      const input = daemonPod(created, created.spec.template, node.name) as unknown as NewObject;
      input.metadata.creationTimestamp = isoSeconds(at);
      input.spec.nodeName = node.name;
      // CNI agent pods are brought up by their agent model; everything else settles at once.
      const agent = this.c.cniAgentPod(input);
      const pod = agent ? store.create("pods", input) : this.bootPod(input, at);
      if (agent) recordSchedulerEvent(store, pod, node.name, at);
      out.push({ pod, createdAt: at });
    }
    return out;
  }

  private deployment(options: {
    namespace: string;
    name: string;
    replicas: number;
    labels: Record<string, string>;
    template: WorkloadTemplate;
    createdAt: Date;
    placement?: string[];
    service?: {
      name: string;
      clusterIP?: string;
      ports: { name?: string; port: number; targetPort: number; protocol?: string }[];
    };
  }): void {
    const store = this.c.store;
    const objects = deploymentObjects(options);
    const deployment = store.create("deployments", objects.deployment);
    const rs = store.create("replicasets", objects.replicaSet(deployment.metadata.uid));
    if (options.service) {
      store.create(
        "services",
        serviceObject({
          namespace: options.namespace,
          name: options.service.name,
          clusterIP: options.service.clusterIP ?? this.clusterIP(),
          selector: options.template.labels,
          labels: options.labels,
          ports: options.service.ports,
          createdAt: options.createdAt,
        }),
      );
    }
    const placement = options.placement ?? this.workerNames();
    for (let i = 0; i < options.replicas; i++) {
      const node = placement[
        ((this.placementCursor++ % placement.length) + placement.length) % placement.length
      ] as string;
      const createdAt = this.after(options.createdAt, 1000);
      // Pods the ReplicaSet made earlier, already bound: the controller's pod, dated and placed.
      const pod = replicaSetPod(rs);
      pod.metadata.creationTimestamp = isoSeconds(createdAt);
      pod.spec.nodeName = node;
      this.bootPod(pod, createdAt);
    }
  }

  private placementCursor = 0;

  private workerNames(): string[] {
    const workers = this.c.scenario.nodes.filter((n) => n.role === "worker").map((n) => n.name);
    return workers.length > 0 ? workers : this.c.scenario.nodes.map((n) => n.name);
  }

  private workloads(): void {
    for (const w of this.c.scenario.workloads) {
      const containerName = w.containerName ?? w.name;
      this.deployment({
        namespace: w.namespace,
        name: w.name,
        replicas: w.replicas,
        labels: w.labels,
        template: {
          labels: w.labels,
          spec: simplePodSpec({ containerName, image: w.image, ...(w.port ? { port: w.port } : {}) }),
        },
        createdAt: this.ago(w.createdAgo),
        ...(w.placement ? { placement: w.placement } : {}),
        ...(w.service
          ? { service: { name: w.name, ports: [{ port: w.port ?? 80, targetPort: w.port ?? 80 }] } }
          : {}),
      });
    }
  }

  /** Files the scenario says lie in the conf dir, written after calico-node's install-cni, with their own mtimes. */
  private async applyCniFiles(n: ScenarioNode): Promise<void> {
    const node = this.c.nodes.get(n.name) as SimNode;
    const confDir = this.c.cniConfDir;
    for (const f of n.cniFiles) {
      const path = `${confDir}/${f.name}`;
      if (f.kind === "absent") {
        node.fs.remove(path);
        continue;
      }
      const content = await this.renderFile(n, f, `${confDir}/calico-kubeconfig`);
      const modifiedAgo =
        "modifiedAgo" in f && f.modifiedAgo
          ? f.modifiedAgo
          : f.kind === "calico-kubeconfig"
            ? f.tokenIssuedAgo
            : undefined;
      node.fs.write(path, content, {
        // The scenario states the file as it lies there: Calico's two files root-only as Calico writes them
        // (cni-files.ts), others with their given mode; chmod so an earlier install-cni copy does not keep its own.
        mode:
          f.kind === "calico-kubeconfig"
            ? CALICO_KUBECONFIG_MODE
            : f.kind === "calico-conflist"
              ? CALICO_CONFLIST_MODE
              : f.kind === "file" && f.mode !== undefined
                ? f.mode
                : 0o644,
        chmod: true,
        ...(modifiedAgo ? { modifiedAt: this.ago(modifiedAgo) } : {}),
      });
    }
  }

  private async renderFile(
    n: ScenarioNode,
    f: Exclude<ScenarioCniFile, { kind: "absent" }>,
    kubeconfigPath: string,
  ): Promise<string> {
    switch (f.kind) {
      case "calico-conflist":
        return calicoConflist({ nodeName: n.name, kubeconfigPath });
      case "cilium-conflist":
        return ciliumConflist();
      case "multus-conf":
        return multusShimConf({ clusterNetwork: f.clusterNetwork });
      case "file":
        return f.content;
      case "calico-kubeconfig": {
        const identity = f.cluster === "previous" ? this.c.previousIdentity : this.c.identity;
        if (!identity)
          throw new Error(`node ${n.name}: ${f.name} names the previous cluster, but the scenario has none`);
        const calico = this.c.scenario.calico;
        if (!calico)
          throw new Error(`node ${n.name}: ${f.name} is Calico's, but the scenario installs no Calico`);
        const saName = cniServiceAccountFor(calico.version);
        // The previous cluster's service account had its own uid; the current one's is in the store.
        const saUid =
          f.cluster === "previous"
            ? randomUUID()
            : this.c.store.mustGet("serviceaccounts", this.c.calicoNamespace, saName).metadata.uid;
        const minted = await signServiceAccountToken(identity, {
          namespace: this.c.calicoNamespace,
          serviceAccount: { name: saName, uid: saUid },
          expirationSeconds: Math.floor(parseDuration(f.tokenLifetime) / 1000),
          issuedAt: this.ago(f.tokenIssuedAgo),
        });
        const render =
          f.writer === "install-cni" ? calicoKubeconfigFromInstallCni : calicoKubeconfigFromRefresher;
        return render({ caPem: identity.ca.certPem, token: minted.token });
      }
    }
  }

  /**
   * Creates a pod present at setup, already bound, with the status its node's network gives it: host-network pods and
   * pods on a working node run (with their start events); pods on a broken node are left for the history replay.
   */
  private bootPod(input: NewObject, createdAt: Date): KubeObject {
    const store = this.c.store;
    const node = this.c.nodes.get(input.spec.nodeName) as SimNode;
    const verdict = this.verdicts.get(node.name);
    const startedAt = this.after(createdAt, 3000);
    const runs = input.spec.hostNetwork || verdict?.kind === "ok";
    if (runs) {
      const ip = input.spec.hostNetwork ? node.internalIP : node.ipam.allocate();
      input.status = runningStatus(input as KubeObject, node.internalIP, ip, startedAt);
    } else {
      input.status = { phase: "Pending" };
    }
    const pod = store.create("pods", input);
    recordSchedulerEvent(store, pod, node.name, createdAt);
    if (runs) {
      this.kubelet.adoptRunningPod(pod);
      if (this.c.scenario.startEvents) recordContainerStarts(this.recorder, pod, node.name, startedAt);
    } else {
      this.stuckPods.push({ pod, createdAt });
    }
    return pod;
  }
}

/**
 * The two PriorityClasses every cluster has, as kube-apiserver creates them at start
 * (kubernetes/kubernetes pkg/apis/scheduling/types.go: SystemCriticalPriority; pkg/registry/scheduling/rest).
 */
function systemPriorityClasses(created: Date): NewObject[] {
  const classes: Array<[string, number, string]> = [
    [
      "system-cluster-critical",
      2_000_000_000,
      "Used for system critical pods that must run in the cluster, but can be moved to another node if necessary.",
    ],
    [
      "system-node-critical",
      2_000_001_000,
      "Used for system critical pods that must not be moved from their current node.",
    ],
  ];
  return classes.map(([name, value, description]) => ({
    apiVersion: "scheduling.k8s.io/v1",
    kind: "PriorityClass",
    metadata: { name, creationTimestamp: isoSeconds(created) },
    value,
    globalDefault: false,
    description,
    preemptionPolicy: "PreemptLowerPriority",
  }));
}
