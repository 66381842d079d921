import type { KubeObject } from "./objects.ts";

/**
 * What the simulated API server knows about each resource type: enough for discovery (what kubectl reads from
 * /api and /apis), routing, and the field selectors the real server supports for that type.
 */
export interface ResourceDef {
  /** Store key and URL segment, e.g. "pods". */
  plural: string;
  singular: string;
  kind: string;
  listKind: string;
  /** "" for the core group. */
  group: string;
  version: string;
  namespaced: boolean;
  verbs: string[];
  shortNames?: string[];
  categories?: string[];
  /** Field selectors the real API server accepts for this type, beyond metadata.name/metadata.namespace. */
  fields: Record<string, (obj: KubeObject) => string>;
  /** Subresources served for this type, e.g. ["status", "token"]. */
  subresources?: string[];
}

const READ_WRITE = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];

export function apiVersionOf(def: ResourceDef): string {
  return def.group === "" ? def.version : `${def.group}/${def.version}`;
}

/** Value of a possibly missing string field, as the real server compares it: missing is "". */
function str(v: unknown): string {
  return typeof v === "string" ? v : "";
}

/** The resource types cni-doctor and kubectl touch, with the field selectors kube-apiserver supports for each. */
export const RESOURCES: ResourceDef[] = [
  {
    plural: "namespaces",
    singular: "namespace",
    kind: "Namespace",
    listKind: "NamespaceList",
    group: "",
    version: "v1",
    namespaced: false,
    verbs: ["create", "delete", "get", "list", "patch", "update", "watch"],
    shortNames: ["ns"],
    fields: { "status.phase": (o) => str(o.status?.phase) },
  },
  {
    plural: "nodes",
    singular: "node",
    kind: "Node",
    listKind: "NodeList",
    group: "",
    version: "v1",
    namespaced: false,
    verbs: READ_WRITE,
    shortNames: ["no"],
    fields: { "spec.unschedulable": (o) => String(o.spec?.unschedulable === true) },
    subresources: ["status"],
  },
  {
    plural: "pods",
    singular: "pod",
    kind: "Pod",
    listKind: "PodList",
    group: "",
    version: "v1",
    namespaced: true,
    verbs: READ_WRITE,
    shortNames: ["po"],
    categories: ["all"],
    fields: {
      "spec.nodeName": (o) => str(o.spec?.nodeName),
      "spec.restartPolicy": (o) => str(o.spec?.restartPolicy),
      "spec.schedulerName": (o) => str(o.spec?.schedulerName),
      "spec.serviceAccountName": (o) => str(o.spec?.serviceAccountName),
      "spec.hostNetwork": (o) => String(o.spec?.hostNetwork === true),
      "status.phase": (o) => str(o.status?.phase),
      "status.podIP": (o) => str(o.status?.podIP),
      "status.nominatedNodeName": (o) => str(o.status?.nominatedNodeName),
    },
    subresources: ["status", "log"],
  },
  {
    plural: "events",
    singular: "event",
    kind: "Event",
    listKind: "EventList",
    group: "",
    version: "v1",
    namespaced: true,
    verbs: READ_WRITE,
    shortNames: ["ev"],
    fields: {
      "involvedObject.kind": (o) => str(o.involvedObject?.kind),
      "involvedObject.namespace": (o) => str(o.involvedObject?.namespace),
      "involvedObject.name": (o) => str(o.involvedObject?.name),
      "involvedObject.uid": (o) => str(o.involvedObject?.uid),
      "involvedObject.apiVersion": (o) => str(o.involvedObject?.apiVersion),
      "involvedObject.resourceVersion": (o) => str(o.involvedObject?.resourceVersion),
      "involvedObject.fieldPath": (o) => str(o.involvedObject?.fieldPath),
      reason: (o) => str(o.reason),
      reportingComponent: (o) => str(o.reportingComponent),
      source: (o) => str(o.source?.component),
      type: (o) => str(o.type),
    },
  },
  {
    plural: "services",
    singular: "service",
    kind: "Service",
    listKind: "ServiceList",
    group: "",
    version: "v1",
    namespaced: true,
    verbs: READ_WRITE,
    shortNames: ["svc"],
    categories: ["all"],
    fields: {
      "spec.clusterIP": (o) => str(o.spec?.clusterIP),
      "spec.type": (o) => str(o.spec?.type),
    },
  },
  {
    plural: "endpoints",
    singular: "endpoints",
    kind: "Endpoints",
    listKind: "EndpointsList",
    group: "",
    version: "v1",
    namespaced: true,
    verbs: READ_WRITE,
    shortNames: ["ep"],
    fields: {},
  },
  {
    plural: "configmaps",
    singular: "configmap",
    kind: "ConfigMap",
    listKind: "ConfigMapList",
    group: "",
    version: "v1",
    namespaced: true,
    verbs: READ_WRITE,
    shortNames: ["cm"],
    fields: {},
  },
  {
    plural: "serviceaccounts",
    singular: "serviceaccount",
    kind: "ServiceAccount",
    listKind: "ServiceAccountList",
    group: "",
    version: "v1",
    namespaced: true,
    verbs: READ_WRITE,
    shortNames: ["sa"],
    fields: {},
    subresources: ["token"],
  },
  {
    plural: "daemonsets",
    singular: "daemonset",
    kind: "DaemonSet",
    listKind: "DaemonSetList",
    group: "apps",
    version: "v1",
    namespaced: true,
    verbs: READ_WRITE,
    shortNames: ["ds"],
    categories: ["all"],
    fields: {},
    subresources: ["status"],
  },
  {
    plural: "replicasets",
    singular: "replicaset",
    kind: "ReplicaSet",
    listKind: "ReplicaSetList",
    group: "apps",
    version: "v1",
    namespaced: true,
    verbs: READ_WRITE,
    shortNames: ["rs"],
    categories: ["all"],
    fields: { "status.replicas": (o) => String(o.status?.replicas ?? 0) },
    subresources: ["status"],
  },
  {
    plural: "deployments",
    singular: "deployment",
    kind: "Deployment",
    listKind: "DeploymentList",
    group: "apps",
    version: "v1",
    namespaced: true,
    verbs: READ_WRITE,
    shortNames: ["deploy"],
    categories: ["all"],
    fields: {},
    subresources: ["status"],
  },
  {
    plural: "priorityclasses",
    singular: "priorityclass",
    kind: "PriorityClass",
    listKind: "PriorityClassList",
    group: "scheduling.k8s.io",
    version: "v1",
    namespaced: false,
    verbs: READ_WRITE,
    shortNames: ["pc"],
    fields: {},
  },
  {
    plural: "endpointslices",
    singular: "endpointslice",
    kind: "EndpointSlice",
    listKind: "EndpointSliceList",
    group: "discovery.k8s.io",
    version: "v1",
    namespaced: true,
    verbs: READ_WRITE,
    fields: {},
  },
  {
    plural: "leases",
    singular: "lease",
    kind: "Lease",
    listKind: "LeaseList",
    group: "coordination.k8s.io",
    version: "v1",
    namespaced: true,
    verbs: READ_WRITE,
    fields: {},
  },
  // RBAC: stored like any other object; the authorizer (cluster/rbac.ts) reads them when the cluster enforces RBAC.
  ...(["Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding"] as const).map(
    (kind): ResourceDef => ({
      plural: `${kind.toLowerCase()}s`,
      singular: kind.toLowerCase(),
      kind,
      listKind: `${kind}List`,
      group: "rbac.authorization.k8s.io",
      version: "v1",
      namespaced: !kind.startsWith("Cluster"),
      verbs: READ_WRITE,
      fields: {},
    }),
  ),
  {
    plural: "tokenreviews",
    singular: "tokenreview",
    kind: "TokenReview",
    listKind: "TokenReviewList",
    group: "authentication.k8s.io",
    version: "v1",
    namespaced: false,
    verbs: ["create"],
    fields: {},
  },
  {
    // Asked, never stored: "may I?" for the requesting user (kubernetes/kubernetes
    // pkg/registry/authorization/selfsubjectaccessreview/rest.go).
    plural: "selfsubjectaccessreviews",
    singular: "selfsubjectaccessreview",
    kind: "SelfSubjectAccessReview",
    listKind: "SelfSubjectAccessReviewList",
    group: "authorization.k8s.io",
    version: "v1",
    namespaced: false,
    verbs: ["create"],
    fields: {},
  },
];

export function resourceByPlural(group: string, plural: string): ResourceDef | undefined {
  return RESOURCES.find((r) => r.group === group && r.plural === plural);
}
