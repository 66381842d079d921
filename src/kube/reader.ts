import { AppsV1Api, AuthenticationV1Api, CoreV1Api, type KubeConfig } from "@kubernetes/client-node";
import { toKubeAccessError } from "./errors.ts";
import { listAllPages, listAllPagesAtVersion, type VersionedList } from "./paginate.ts";
import { sharedConnections, withTimeout } from "./request-options.ts";
import type {
  ClusterIdentity,
  CoreV1Event,
  V1ConfigMap,
  V1DaemonSet,
  V1Endpoints,
  V1Node,
  V1Pod,
  V1Service,
  V1ServiceAccount,
  V1TokenReview,
} from "./types.ts";

export interface ListQuery {
  /** Omit for all namespaces. */
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
}

/**
 * Everything diagnosis may ask of a cluster. It has no method that changes cluster state, so code holding only a
 * ClusterReader cannot write, by construction. (A TokenReview is a create call, but it only asks the API server for a
 * verdict on a token and stores nothing.)
 */
export interface ClusterReader {
  readonly identity: ClusterIdentity;
  listPods(query: ListQuery): Promise<V1Pod[]>;
  /** The same list with the resourceVersion it was read at, for a watch that must continue exactly from it. */
  listPodsAtVersion(query: ListQuery): Promise<VersionedList<V1Pod>>;
  listEvents(query: ListQuery): Promise<CoreV1Event[]>;
  listNodes(query?: Omit<ListQuery, "namespace">): Promise<V1Node[]>;
  getNode(name: string): Promise<V1Node | null>;
  getPod(namespace: string, name: string): Promise<V1Pod | null>;
  listDaemonSets(query: ListQuery): Promise<V1DaemonSet[]>;
  listServices(query: ListQuery): Promise<V1Service[]>;
  getEndpoints(namespace: string, name: string): Promise<V1Endpoints | null>;
  getConfigMap(namespace: string, name: string): Promise<V1ConfigMap | null>;
  getServiceAccount(namespace: string, name: string): Promise<V1ServiceAccount | null>;
  /** Asks the API server whether it accepts `token`; the token is sent only to the API server. */
  reviewToken(token: string): Promise<NonNullable<V1TokenReview["status"]>>;
}

export interface ReaderOptions {
  /** Per-request timeout. */
  requestTimeoutMs: number;
  pageSize: number;
  maxListItems: number;
}

export const DEFAULT_READER_OPTIONS: ReaderOptions = {
  requestTimeoutMs: 15_000,
  pageSize: 500,
  maxListItems: 250_000,
};

export function createClusterReader(
  kubeConfig: KubeConfig,
  identity: ClusterIdentity,
  options: Partial<ReaderOptions> = {},
): ClusterReader {
  const opts = { ...DEFAULT_READER_OPTIONS, ...options };
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const apps = kubeConfig.makeApiClient(AppsV1Api);
  const authn = kubeConfig.makeApiClient(AuthenticationV1Api);
  const connections = sharedConnections();
  const timeout = () => withTimeout(opts.requestTimeoutMs, connections);

  /** One page of a list: what every list call takes besides the namespace. */
  type PageParams = { limit: number; _continue?: string; labelSelector?: string; fieldSelector?: string };
  type PageResult<T> = Promise<{ items: T[]; metadata?: { _continue?: string; resourceVersion?: string } }>;
  type PageFetcher<T> = (page: PageParams, namespace: string | undefined) => PageResult<T>;

  function paged<T>(what: string, query: ListQuery, fetch: PageFetcher<T>): Promise<T[]> {
    return pagedAtVersion(what, query, fetch).then((list) => list.items);
  }

  function pagedAtVersion<T>(
    what: string,
    query: ListQuery,
    fetch: PageFetcher<T>,
  ): Promise<VersionedList<T>> {
    const where = query.namespace ? `in namespace ${query.namespace}` : "in all namespaces";
    return listAllPagesAtVersion(
      (token, limit) =>
        fetch(
          { labelSelector: query.labelSelector, fieldSelector: query.fieldSelector, limit, _continue: token },
          query.namespace,
        ),
      {
        pageSize: opts.pageSize,
        maxItems: opts.maxListItems,
        operation: `list ${what} ${where}${describeSelectors(query)}`,
      },
    );
  }

  async function getOrNull<T>(operation: string, call: () => Promise<T>): Promise<T | null> {
    try {
      return await call();
    } catch (err) {
      const failure = toKubeAccessError(err, operation);
      if (failure.failure === "not-found") return null;
      throw failure;
    }
  }

  const fetchPods: PageFetcher<V1Pod> = (page, namespace) =>
    namespace
      ? core.listNamespacedPod({ ...page, namespace }, timeout())
      : core.listPodForAllNamespaces(page, timeout());

  return {
    identity,
    listPods: (q) => paged("pods", q, fetchPods),
    listPodsAtVersion: (q) => pagedAtVersion("pods", q, fetchPods),
    listEvents: (q) =>
      paged("events", q, (page, namespace) =>
        namespace
          ? core.listNamespacedEvent({ ...page, namespace }, timeout())
          : core.listEventForAllNamespaces(page, timeout()),
      ),
    listNodes: (q = {}) =>
      listAllPages(
        (token, limit) =>
          core.listNode(
            { labelSelector: q.labelSelector, fieldSelector: q.fieldSelector, limit, _continue: token },
            timeout(),
          ),
        {
          pageSize: opts.pageSize,
          maxItems: opts.maxListItems,
          operation: `list nodes${describeSelectors(q)}`,
        },
      ),
    getNode: (name) => getOrNull(`get node ${name}`, () => core.readNode({ name }, timeout())),
    getPod: (namespace, name) =>
      getOrNull(`get pod ${namespace}/${name}`, () => core.readNamespacedPod({ namespace, name }, timeout())),
    listDaemonSets: (q) =>
      paged("daemonsets", q, (page, namespace) =>
        namespace
          ? apps.listNamespacedDaemonSet({ ...page, namespace }, timeout())
          : apps.listDaemonSetForAllNamespaces(page, timeout()),
      ),
    listServices: (q) =>
      paged("services", q, (page, namespace) =>
        namespace
          ? core.listNamespacedService({ ...page, namespace }, timeout())
          : core.listServiceForAllNamespaces(page, timeout()),
      ),
    getEndpoints: (namespace, name) =>
      getOrNull(`get endpoints ${namespace}/${name}`, () =>
        core.readNamespacedEndpoints({ namespace, name }, timeout()),
      ),
    getConfigMap: (namespace, name) =>
      getOrNull(`get configmap ${namespace}/${name}`, () =>
        core.readNamespacedConfigMap({ namespace, name }, timeout()),
      ),
    getServiceAccount: (namespace, name) =>
      getOrNull(`get serviceaccount ${namespace}/${name}`, () =>
        core.readNamespacedServiceAccount({ namespace, name }, timeout()),
      ),
    reviewToken: async (token) => {
      try {
        const review = await authn.createTokenReview(
          { body: { apiVersion: "authentication.k8s.io/v1", kind: "TokenReview", spec: { token } } },
          timeout(),
        );
        return review.status ?? {};
      } catch (err) {
        throw toKubeAccessError(err, "create tokenreview");
      }
    },
  };
}

function describeSelectors(q: Omit<ListQuery, "namespace">): string {
  const parts = [
    q.labelSelector && `-l ${q.labelSelector}`,
    q.fieldSelector && `--field-selector ${q.fieldSelector}`,
  ];
  const shown = parts.filter(Boolean).join(" ");
  return shown ? ` (${shown})` : "";
}
