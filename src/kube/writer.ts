import { CoordinationV1Api, CoreV1Api, type KubeConfig } from "@kubernetes/client-node";
import { KubeAccessError, toKubeAccessError } from "./errors.ts";
import { listAllPages } from "./paginate.ts";
import { sharedConnections, withTimeout } from "./request-options.ts";
import type { CoreV1Event, V1ConfigMap, V1Lease } from "./types.ts";

/** What deleting a pod with a uid precondition came to. */
export type PodDeletion =
  /** The API server accepted the delete (the pod is terminating or gone). */
  | "deleted"
  /** No pod by that name: already gone. */
  | "gone"
  /** A pod by that name exists but is another one (recreated under the same name): left alone. */
  | "uid-changed";

export interface NodeEventInput {
  node: { name: string; uid: string | undefined };
  type: "Normal" | "Warning";
  /** e.g. "CNIDoctorRemediation". */
  reason: string;
  /** What happened, e.g. "quarantine-cni-config". */
  action: string;
  /** Shown by `kubectl describe node`; must hold no secret. */
  message: string;
  /** The run the event belongs to, for `kubectl get events -l`. */
  runId: string;
}

/**
 * Everything remediation may change in a cluster, and nothing more: delete one pod (guarded by its uid), record an
 * Event on a Node, and keep the run journal (ConfigMaps) and the per-cluster Lease in the bot's own namespace.
 * Diagnosis never receives one of these; it holds a ClusterReader only.
 */
export interface ClusterWriter {
  deletePod(namespace: string, name: string, uid: string): Promise<PodDeletion>;
  createNodeEvent(input: NodeEventInput): Promise<void>;
  namespaceExists(namespace: string): Promise<boolean>;
  listConfigMaps(namespace: string, labelSelector: string): Promise<V1ConfigMap[]>;
  getConfigMap(namespace: string, name: string): Promise<V1ConfigMap | null>;
  /** Creates; a name already taken fails with KubeAccessError "conflict". */
  createConfigMap(namespace: string, body: V1ConfigMap): Promise<V1ConfigMap>;
  /** Replaces; `body.metadata.resourceVersion` is the precondition, so a concurrent writer fails with "conflict". */
  replaceConfigMap(namespace: string, body: V1ConfigMap): Promise<V1ConfigMap>;
  getLease(namespace: string, name: string): Promise<V1Lease | null>;
  createLease(namespace: string, body: V1Lease): Promise<V1Lease>;
  /** Replaces with the resourceVersion precondition, like replaceConfigMap. */
  replaceLease(namespace: string, body: V1Lease): Promise<V1Lease>;
}

export interface WriterOptions {
  requestTimeoutMs: number;
  /** Shown as the Event's reporting component and source. */
  component?: string;
}

export function createClusterWriter(kubeConfig: KubeConfig, options: WriterOptions): ClusterWriter {
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const coordination = kubeConfig.makeApiClient(CoordinationV1Api);
  // One keep-alive pool for every write, as the reader has: the run journal, the Lease and each request claim would
  // otherwise pay a TCP connection and a TLS handshake apiece.
  const connections = sharedConnections();
  const timeout = () => withTimeout(options.requestTimeoutMs, connections);
  const component = options.component ?? "cni-doctor";

  async function call<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw toKubeAccessError(err, operation);
    }
  }
  async function getOrNull<T>(operation: string, fn: () => Promise<T>): Promise<T | null> {
    try {
      return await call(operation, fn);
    } catch (err) {
      if (err instanceof KubeAccessError && err.failure === "not-found") return null;
      throw err;
    }
  }

  return {
    async deletePod(namespace, name, uid) {
      const operation = `delete pod ${namespace}/${name} (uid ${uid})`;
      try {
        await call(operation, () =>
          core.deleteNamespacedPod({ namespace, name, body: { preconditions: { uid } } }, timeout()),
        );
        return "deleted";
      } catch (err) {
        if (err instanceof KubeAccessError && err.failure === "not-found") return "gone";
        // A failed uid precondition is a 409 Conflict.
        if (err instanceof KubeAccessError && err.failure === "conflict") return "uid-changed";
        throw err;
      }
    },
    async createNodeEvent(input) {
      await call(`create event ${input.reason} on node ${input.node.name}`, () =>
        // Events about cluster-scoped objects live in "default"; `kubectl describe node` looks there.
        core.createNamespacedEvent(
          { namespace: "default", body: nodeEventBody(input, component) },
          timeout(),
        ),
      );
    },
    async namespaceExists(namespace) {
      const ns = await getOrNull(`get namespace ${namespace}`, () =>
        core.readNamespace({ name: namespace }, timeout()),
      );
      return ns !== null;
    },
    listConfigMaps: (namespace, labelSelector) =>
      listAllPages(
        (token, limit) =>
          core.listNamespacedConfigMap({ namespace, labelSelector, limit, _continue: token }, timeout()),
        {
          pageSize: 500,
          maxItems: 10_000,
          operation: `list configmaps in ${namespace} (-l ${labelSelector})`,
        },
      ),
    getConfigMap: (namespace, name) =>
      getOrNull(`get configmap ${namespace}/${name}`, () =>
        core.readNamespacedConfigMap({ namespace, name }, timeout()),
      ),
    createConfigMap: (namespace, body) =>
      call(`create configmap ${namespace}/${body.metadata?.name}`, () =>
        core.createNamespacedConfigMap({ namespace, body }, timeout()),
      ),
    replaceConfigMap: (namespace, body) =>
      call(`replace configmap ${namespace}/${body.metadata?.name}`, () =>
        core.replaceNamespacedConfigMap({ namespace, name: body.metadata?.name ?? "", body }, timeout()),
      ),
    getLease: (namespace, name) =>
      getOrNull(`get lease ${namespace}/${name}`, () =>
        coordination.readNamespacedLease({ namespace, name }, timeout()),
      ),
    createLease: (namespace, body) =>
      call(`create lease ${namespace}/${body.metadata?.name}`, () =>
        coordination.createNamespacedLease({ namespace, body }, timeout()),
      ),
    replaceLease: (namespace, body) =>
      call(`replace lease ${namespace}/${body.metadata?.name}`, () =>
        coordination.replaceNamespacedLease({ namespace, name: body.metadata?.name ?? "", body }, timeout()),
      ),
  };
}

/** The core/v1 Event recorded on a Node that a run changed. */
export function nodeEventBody(input: NodeEventInput, component: string, now = new Date()): CoreV1Event {
  return {
    metadata: {
      generateName: `${input.node.name}.cni-doctor.`,
      labels: { "app.kubernetes.io/managed-by": component, "cni-doctor.io/run": input.runId },
    },
    involvedObject: {
      apiVersion: "v1",
      kind: "Node",
      name: input.node.name,
      ...(input.node.uid ? { uid: input.node.uid } : {}),
    },
    type: input.type,
    reason: input.reason,
    action: input.action,
    message: input.message.slice(0, 1024),
    source: { component },
    reportingComponent: component,
    reportingInstance: component,
    firstTimestamp: now,
    lastTimestamp: now,
    count: 1,
  };
}
