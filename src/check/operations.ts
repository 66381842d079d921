/**
 * Every Kubernetes operation the bot performs, in one table: what `check` asks the API server about (with a
 * SelfSubjectAccessReview each), and where manifests/rbac.yaml grants it. test/check/operations.test.ts holds this
 * table against the manifests both ways (each operation is granted by the rule on the line named here, and every verb
 * every rule grants is an operation here), so neither can change without the other.
 */
import type { AccessQuestion } from "../kube/access-review.ts";

/** Where an operation applies: cluster-wide (all namespaces, or a cluster-scoped resource) or one namespace. */
export type OperationScope = "cluster" | "bot" | "node-agents" | "kube-system" | "default";

export interface BotOperation {
  verb: string;
  group: string;
  resource: string;
  subresource?: string;
  scope: OperationScope;
  /** A resourceNames restriction, or the bot's own namespace object ("$bot", "$node-agents"). */
  name?: string;
  /** Which flow needs it. */
  usedBy: string;
  /** The `verbs:` line of the rule that grants it. */
  grantedAt: { line: number; role: string };
  /** Writes the API server can try with dryRun=All (creates; the rest are asked about only). */
  dryRun?: "pod" | "event" | "configmap" | "lease";
}

export const RBAC_MANIFEST = "manifests/rbac.yaml";

const diagnose = "ClusterRole cni-doctor-diagnose";
const remediate = "ClusterRole cni-doctor-remediate";
const botRole = "Role cni-doctor (in the bot's namespace)";
const agentsRole = "Role cni-doctor-node-agents";

export const BOT_OPERATIONS: readonly BotOperation[] = [
  {
    verb: "list",
    group: "",
    resource: "pods",
    scope: "cluster",
    usedBy: "diagnose",
    grantedAt: { line: 24, role: diagnose },
  },
  {
    verb: "get",
    group: "",
    resource: "pods",
    scope: "cluster",
    usedBy: "diagnose, fix",
    grantedAt: { line: 24, role: diagnose },
  },
  {
    verb: "list",
    group: "",
    resource: "events",
    scope: "cluster",
    usedBy: "diagnose",
    grantedAt: { line: 28, role: diagnose },
  },
  {
    verb: "list",
    group: "",
    resource: "nodes",
    scope: "cluster",
    usedBy: "diagnose",
    grantedAt: { line: 32, role: diagnose },
  },
  {
    verb: "get",
    group: "",
    resource: "nodes",
    scope: "cluster",
    usedBy: "diagnose --node",
    grantedAt: { line: 32, role: diagnose },
  },
  {
    verb: "watch",
    group: "",
    resource: "events",
    scope: "cluster",
    usedBy: "incident watch: sandbox failures as they happen",
    grantedAt: { line: 37, role: diagnose },
  },
  {
    verb: "watch",
    group: "",
    resource: "nodes",
    scope: "cluster",
    usedBy: "incident watch: node conditions as they change",
    grantedAt: { line: 37, role: diagnose },
  },
  {
    verb: "list",
    group: "apps",
    resource: "daemonsets",
    scope: "cluster",
    usedBy: "diagnose: CNI agents",
    grantedAt: { line: 41, role: diagnose },
  },
  {
    verb: "get",
    group: "",
    resource: "serviceaccounts",
    scope: "cluster",
    usedBy: "node inspection",
    grantedAt: { line: 45, role: diagnose },
  },
  {
    verb: "create",
    group: "authentication.k8s.io",
    resource: "tokenreviews",
    scope: "cluster",
    usedBy: "node inspection",
    grantedAt: { line: 49, role: diagnose },
  },
  {
    verb: "get",
    group: "",
    resource: "configmaps",
    scope: "kube-system",
    name: "kube-root-ca.crt",
    usedBy: "node inspection: cluster CA",
    grantedAt: { line: 79, role: "Role cni-doctor-cluster-ca" },
  },
  {
    verb: "delete",
    group: "",
    resource: "pods",
    scope: "cluster",
    usedBy: "fix: restart agents, recycle pods",
    grantedAt: { line: 108, role: remediate },
  },
  {
    verb: "watch",
    group: "",
    resource: "pods",
    scope: "cluster",
    usedBy: "fix: wait for pods",
    grantedAt: { line: 112, role: remediate },
  },
  {
    verb: "list",
    group: "",
    resource: "services",
    scope: "cluster",
    usedBy: "fix: verify",
    grantedAt: { line: 117, role: remediate },
  },
  {
    verb: "list",
    group: "discovery.k8s.io",
    resource: "endpointslices",
    scope: "cluster",
    usedBy: "fix: verify",
    grantedAt: { line: 120, role: remediate },
  },
  {
    verb: "get",
    group: "",
    resource: "endpoints",
    scope: "cluster",
    usedBy: "fix: verify without EndpointSlices",
    grantedAt: { line: 125, role: remediate },
  },
  {
    verb: "create",
    group: "",
    resource: "events",
    scope: "default",
    usedBy: "fix: Events on Nodes",
    grantedAt: { line: 155, role: "Role cni-doctor-node-events" },
    dryRun: "event",
  },
  {
    verb: "get",
    group: "",
    resource: "namespaces",
    scope: "cluster",
    name: "$bot",
    usedBy: "journal",
    grantedAt: { line: 189, role: botRole },
  },
  {
    verb: "get",
    group: "",
    resource: "configmaps",
    scope: "bot",
    usedBy: "journal, kill switch, incident records",
    grantedAt: { line: 194, role: botRole },
  },
  {
    verb: "list",
    group: "",
    resource: "configmaps",
    scope: "bot",
    usedBy: "journal",
    grantedAt: { line: 194, role: botRole },
  },
  {
    verb: "create",
    group: "",
    resource: "configmaps",
    scope: "bot",
    usedBy: "journal, incident records",
    grantedAt: { line: 194, role: botRole },
    dryRun: "configmap",
  },
  {
    verb: "update",
    group: "",
    resource: "configmaps",
    scope: "bot",
    usedBy: "journal, incident records",
    grantedAt: { line: 194, role: botRole },
  },
  {
    verb: "create",
    group: "coordination.k8s.io",
    resource: "leases",
    scope: "bot",
    usedBy: "fix: one run at a time",
    grantedAt: { line: 198, role: botRole },
    dryRun: "lease",
  },
  {
    verb: "get",
    group: "coordination.k8s.io",
    resource: "leases",
    scope: "bot",
    name: "cni-doctor-remediation",
    usedBy: "fix: one run at a time",
    grantedAt: { line: 203, role: botRole },
  },
  {
    verb: "update",
    group: "coordination.k8s.io",
    resource: "leases",
    scope: "bot",
    name: "cni-doctor-remediation",
    usedBy: "fix: one run at a time",
    grantedAt: { line: 203, role: botRole },
  },
  {
    verb: "get",
    group: "coordination.k8s.io",
    resource: "leases",
    scope: "bot",
    name: "cni-doctor-incident-watch",
    usedBy: "incident watch: one replica follows the cluster",
    grantedAt: { line: 209, role: botRole },
  },
  {
    verb: "update",
    group: "coordination.k8s.io",
    resource: "leases",
    scope: "bot",
    name: "cni-doctor-incident-watch",
    usedBy: "incident watch: one replica follows the cluster",
    grantedAt: { line: 209, role: botRole },
  },
  {
    verb: "get",
    group: "",
    resource: "namespaces",
    scope: "cluster",
    name: "$node-agents",
    usedBy: "node access",
    grantedAt: { line: 242, role: agentsRole },
  },
  {
    verb: "create",
    group: "",
    resource: "pods",
    scope: "node-agents",
    usedBy: "node access: agent pods",
    grantedAt: { line: 246, role: agentsRole },
    dryRun: "pod",
  },
  {
    verb: "create",
    group: "",
    resource: "pods",
    subresource: "exec",
    scope: "node-agents",
    usedBy: "node access: commands",
    grantedAt: { line: 250, role: agentsRole },
  },
];

const CLUSTER_SCOPED = new Set(["nodes", "tokenreviews", "namespaces"]);

export interface Namespaces {
  bot: string;
  nodeAgents: string;
}

/**
 * The SelfSubjectAccessReview attributes for an operation. The namespace objects are cluster-scoped, but a
 * RoleBinding in a namespace grants "get" on that namespace's own object, which RBAC sees as a request with the
 * namespace set (kube-apiserver's RequestInfo gives GET /api/v1/namespaces/NAME namespace NAME).
 */
export function accessQuestion(op: BotOperation, ns: Namespaces): AccessQuestion {
  const namespaceOf: Record<OperationScope, string | undefined> = {
    cluster: undefined,
    bot: ns.bot,
    "node-agents": ns.nodeAgents,
    "kube-system": "kube-system",
    default: "default",
  };
  const name = op.name === "$bot" ? ns.bot : op.name === "$node-agents" ? ns.nodeAgents : op.name;
  const q: AccessQuestion = { verb: op.verb, group: op.group, resource: op.resource };
  if (op.subresource) q.subresource = op.subresource;
  const namespace = op.resource === "namespaces" ? name : namespaceOf[op.scope];
  if (namespace) q.namespace = namespace;
  if (name) q.name = name;
  return q;
}

/** "create pods/exec in cni-doctor-nodes", "list pods in all namespaces", "get configmaps kube-root-ca.crt in kube-system". */
export function describeOperation(op: BotOperation, ns: Namespaces): string {
  const q = accessQuestion(op, ns);
  const group = op.group ? `.${op.group}` : "";
  const what = `${op.verb} ${op.resource}${group}${op.subresource ? `/${op.subresource}` : ""}`;
  if (op.resource === "namespaces") return `${what} ${q.name}`;
  const named = q.name ? ` ${q.name}` : "";
  const where = q.namespace
    ? `in ${q.namespace}`
    : CLUSTER_SCOPED.has(op.resource)
      ? "(cluster-wide)"
      : "in all namespaces";
  return `${what}${named} ${where}`;
}
