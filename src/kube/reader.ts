import {
  AppsV1Api,
  AuthenticationV1Api,
  CoordinationV1Api,
  CoreV1Api,
  DiscoveryV1Api,
  type KubeConfig,
} from "@kubernetes/client-node";
import { toKubeAccessError } from "./errors.ts";
import { listAllPages, listAllPagesAtVersion, type VersionedList } from "./paginate.ts";
import { sharedConnections, withTimeout } from "./request-options.ts";
import type {
  ClusterIdentity,
  CoreV1Event,
  V1ConfigMap,
  V1DaemonSet,
  V1EndpointSlice,
  V1Endpoints,
  V1Lease,
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
  /** The addresses of a Service's endpoints that are ready for traffic: from its EndpointSlices, or core Endpoints. */
  readyServiceAddresses(namespace: string, service: string): Promise<ServiceAddresses>;
  getConfigMap(namespace: string, name: string): Promise<V1ConfigMap | null>;
  getServiceAccount(namespace: string, name: string): Promise<V1ServiceAccount | null>;
  /** ConfigMaps by label, e.g. the bot's run journal, which `diagnose` reads to point at runs left half-done. */
  listConfigMaps(namespace: string, labelSelector: string): Promise<V1ConfigMap[]>;
  /** A Lease, e.g. the remediation lease that tells a run in progress from one whose runner died. */
  getLease(namespace: string, name: string): Promise<V1Lease | null>;
  /** Asks the API server whether it accepts `token`; the token is sent only to the API server. */
  reviewToken(token: string): Promise<NonNullable<V1TokenReview["status"]>>;
}

export interface ServiceAddresses {
  /**
   * Where they were read: EndpointSlices (discovery.k8s.io/v1), or core Endpoints, deprecated since Kubernetes 1.33,
   * read only where the API server does not serve EndpointSlices.
   */
  source: "EndpointSlice" | "Endpoints";
  /** Ready addresses, each once. */
  ready: string[];
}

export interface ReaderOptions {
  /** Per-request timeout. */
  requestTimeoutMs: number;
  /**
   * Items per list request. client-node parses and revives a whole page in one turn of the event loop, about 0.1 ms
   * per pod on our benchmark machine: 500 (kubectl's chunk size) held the bot's loop for ~60 ms per page of pods while
   * it diagnosed the 1,000-node cluster, and every Slack ack waited behind it. At 250 the acks stay under 50 ms at
   * p99 (`npm run bench -- --only ackload`), for a few more round trips.
   */
  pageSize: number;
  maxListItems: number;
}

export const DEFAULT_READER_OPTIONS: ReaderOptions = {
  requestTimeoutMs: 15_000,
  pageSize: 250,
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
  const discovery = kubeConfig.makeApiClient(DiscoveryV1Api);
  const coordination = kubeConfig.makeApiClient(CoordinationV1Api);
  const connections = sharedConnections();
  const timeout = () => withTimeout(opts.requestTimeoutMs, connections);

  const { paged, pagedAtVersion } = pagedListing(opts);

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
    readyServiceAddresses: serviceAddressReader(core, discovery, timeout),
    getConfigMap: (namespace, name) =>
      getOrNull(`get configmap ${namespace}/${name}`, () =>
        core.readNamespacedConfigMap({ namespace, name }, timeout()),
      ),
    getServiceAccount: (namespace, name) =>
      getOrNull(`get serviceaccount ${namespace}/${name}`, () =>
        core.readNamespacedServiceAccount({ namespace, name }, timeout()),
      ),
    ...journalReads(core, coordination, timeout, opts),
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

type Timeout = () => ReturnType<typeof withTimeout>;

/** Ready addresses of a Service: from its EndpointSlices, or core Endpoints where slices are not served. */
function serviceAddressReader(
  core: CoreV1Api,
  discovery: DiscoveryV1Api,
  timeout: Timeout,
): ClusterReader["readyServiceAddresses"] {
  return async (namespace, service) => {
    // A list of a collection is 404 only when the API server does not serve the resource at all (a namespace that
    // does not exist lists empty), so null here means "no EndpointSlice API": fall back to core Endpoints.
    const slices = await getOrNull(`list endpointslices in namespace ${namespace}`, () =>
      discovery.listNamespacedEndpointSlice(
        { namespace, labelSelector: `kubernetes.io/service-name=${service}` },
        timeout(),
      ),
    );
    if (slices) return { source: "EndpointSlice", ready: readySliceAddresses(slices.items) };
    const endpoints = await getOrNull(`get endpoints ${namespace}/${service}`, () =>
      core.readNamespacedEndpoints({ namespace, name: service }, timeout()),
    );
    return { source: "Endpoints", ready: readyEndpointsAddresses(endpoints) };
  };
}

/** Reads of the bot's own objects (its run journal ConfigMaps, its remediation Lease). */
function journalReads(
  core: CoreV1Api,
  coordination: CoordinationV1Api,
  timeout: Timeout,
  opts: ReaderOptions,
): Pick<ClusterReader, "listConfigMaps" | "getLease"> {
  return {
    listConfigMaps: (namespace, labelSelector) =>
      listAllPages(
        (token, limit) =>
          core.listNamespacedConfigMap({ namespace, labelSelector, limit, _continue: token }, timeout()),
        {
          pageSize: opts.pageSize,
          maxItems: opts.maxListItems,
          operation: `list configmaps in ${namespace} (-l ${labelSelector})`,
        },
      ),
    getLease: (namespace, name) =>
      getOrNull(`get lease ${namespace}/${name}`, () =>
        coordination.readNamespacedLease({ namespace, name }, timeout()),
      ),
  };
}

/**
 * Ready addresses of EndpointSlices. A missing `ready` condition means "unknown", which consumers should treat as
 * ready (kubernetes/api discovery/v1/types.go: EndpointConditions.Ready).
 */
export function readySliceAddresses(slices: V1EndpointSlice[]): string[] {
  const ready = slices.flatMap((slice) =>
    (slice.endpoints ?? []).filter((e) => e.conditions?.ready !== false).flatMap((e) => e.addresses),
  );
  return [...new Set(ready)];
}

/** Ready addresses of core Endpoints: `subsets[].addresses` (not-ready ones are under `notReadyAddresses`). */
export function readyEndpointsAddresses(endpoints: V1Endpoints | null): string[] {
  const ready = (endpoints?.subsets ?? []).flatMap((s) => (s.addresses ?? []).map((a) => a.ip));
  return [...new Set(ready)];
}

/** One page of a list: what every list call takes besides the namespace. */
type PageParams = { limit: number; _continue?: string; labelSelector?: string; fieldSelector?: string };
type PageResult<T> = Promise<{ items: T[]; metadata?: { _continue?: string; resourceVersion?: string } }>;
type PageFetcher<T> = (page: PageParams, namespace: string | undefined) => PageResult<T>;

/** Lists every page of a namespaced (or all-namespace) list, bounded by the reader's page size and item cap. */
function pagedListing(opts: ReaderOptions) {
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
  return {
    pagedAtVersion,
    paged: <T>(what: string, query: ListQuery, fetch: PageFetcher<T>): Promise<T[]> =>
      pagedAtVersion(what, query, fetch).then((list) => list.items),
  };
}

/** A read that answers null for 404 instead of failing; every other failure is a KubeAccessError. */
async function getOrNull<T>(operation: string, call: () => Promise<T>): Promise<T | null> {
  try {
    return await call();
  } catch (err) {
    const failure = toKubeAccessError(err, operation);
    if (failure.failure === "not-found") return null;
    throw failure;
  }
}

function describeSelectors(q: Omit<ListQuery, "namespace">): string {
  const parts = [
    q.labelSelector && `-l ${q.labelSelector}`,
    q.fieldSelector && `--field-selector ${q.fieldSelector}`,
  ];
  const shown = parts.filter(Boolean).join(" ");
  return shown ? ` (${shown})` : "";
}
