/**
 * The RBAC authorizer, as kube-apiserver runs it (plugin/pkg/auth/authorizer/rbac): a pure function from the stored
 * Roles, ClusterRoles and their bindings plus one request's attributes to allow or deny. The semantics followed:
 *
 * - ClusterRoleBindings grant their ClusterRole's rules everywhere; RoleBindings grant their Role's (or a
 *   ClusterRole's) rules in the binding's namespace only, so they never reach cluster-scoped resources;
 * - a rule matches when its verbs, apiGroups and resources match ("*" matches all; "pods/status" names a
 *   subresource, "*\/status" that subresource of anything) and, when it lists resourceNames, the request's name is one
 *   of them (a list, watch or create carries no name unless a metadata.name field selector supplies one, so such a
 *   rule never allows them);
 * - subjects: User by name, Group by the user's groups (system:serviceaccounts, system:authenticated, …), and
 *   ServiceAccount by `system:serviceaccount:<namespace>:<name>` (a RoleBinding's own namespace when the subject
 *   names none);
 * - members of system:masters are allowed everything before RBAC is asked (the apiserver's privileged-group
 *   authorizer), as on every real cluster.
 *
 * Not modelled: non-resource URLs (the simulated server serves discovery to any authenticated user, as the
 * system:discovery binding does), aggregated ClusterRoles, and the escalation check on writing RBAC objects.
 */
import type { KubeObject, NewObject } from "../objects.ts";

export interface RbacUser {
  username: string;
  groups: string[];
}

export interface RbacRequest {
  user: RbacUser;
  verb: string;
  group: string;
  resource: string;
  subresource?: string;
  namespace?: string;
  name?: string;
}

export interface PolicyRule {
  verbs?: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

/** What the authorizer read: the stored RBAC objects (any order). */
export interface RbacPolicy {
  roles: KubeObject[];
  clusterRoles: KubeObject[];
  roleBindings: KubeObject[];
  clusterRoleBindings: KubeObject[];
}

export interface RbacDecision {
  allowed: boolean;
  /** Which binding and role allowed it, e.g. `ClusterRoleBinding "x" of ClusterRole "y"`; or why nothing could. */
  reason: string;
}

export const PRIVILEGED_GROUP = "system:masters";

export function authorizeRbac(policy: RbacPolicy, request: RbacRequest): RbacDecision {
  if (request.user.groups.includes(PRIVILEGED_GROUP)) {
    return { allowed: true, reason: `member of ${PRIVILEGED_GROUP}` };
  }
  const clusterRoles = new Map(policy.clusterRoles.map((r) => [r.metadata.name, r]));
  const roles = new Map(policy.roles.map((r) => [`${r.metadata.namespace}/${r.metadata.name}`, r]));
  // The real authorizer collects, and reports, the roles it could not find; they grant nothing.
  const missing: string[] = [];

  for (const binding of policy.clusterRoleBindings) {
    if (!subjectsApply(binding, request.user, undefined)) continue;
    const roleName = String(binding.roleRef?.name ?? "");
    const role = binding.roleRef?.kind === "ClusterRole" ? clusterRoles.get(roleName) : undefined;
    if (!role) {
      missing.push(`clusterrole.rbac.authorization.k8s.io "${roleName}" not found`);
      continue;
    }
    if (rulesOf(role).some((rule) => ruleAllows(rule, request))) {
      return {
        allowed: true,
        reason: `ClusterRoleBinding "${binding.metadata.name}" of ClusterRole "${roleName}"`,
      };
    }
  }
  if (request.namespace !== undefined && request.namespace !== "") {
    for (const binding of policy.roleBindings) {
      if (binding.metadata.namespace !== request.namespace) continue;
      if (!subjectsApply(binding, request.user, request.namespace)) continue;
      const kind = String(binding.roleRef?.kind ?? "");
      const roleName = String(binding.roleRef?.name ?? "");
      const role =
        kind === "ClusterRole"
          ? clusterRoles.get(roleName)
          : kind === "Role"
            ? roles.get(`${request.namespace}/${roleName}`)
            : undefined;
      if (!role) {
        missing.push(
          kind === "ClusterRole"
            ? `clusterrole.rbac.authorization.k8s.io "${roleName}" not found`
            : `role.rbac.authorization.k8s.io "${roleName}" not found`,
        );
        continue;
      }
      if (rulesOf(role).some((rule) => ruleAllows(rule, request))) {
        return {
          allowed: true,
          reason: `RoleBinding "${request.namespace}/${binding.metadata.name}" of ${kind} "${roleName}"`,
        };
      }
    }
  }
  return { allowed: false, reason: missing.length > 0 ? `RBAC: ${formatAggregate(missing)}` : "" };
}

function rulesOf(role: KubeObject): PolicyRule[] {
  return Array.isArray(role.rules) ? (role.rules as PolicyRule[]) : [];
}

/** rbac.RuleAllows for a resource request. */
export function ruleAllows(rule: PolicyRule, request: Omit<RbacRequest, "user">): boolean {
  return (
    matchesOrStar(rule.verbs, request.verb) &&
    matchesOrStar(rule.apiGroups, request.group) &&
    resourceMatches(rule.resources ?? [], request.resource, request.subresource) &&
    resourceNameMatches(rule.resourceNames ?? [], request.name)
  );
}

function matchesOrStar(values: string[] | undefined, wanted: string): boolean {
  return (values ?? []).some((v) => v === "*" || v === wanted);
}

function resourceMatches(
  ruleResources: string[],
  resource: string,
  subresource: string | undefined,
): boolean {
  const combined = subresource ? `${resource}/${subresource}` : resource;
  return ruleResources.some(
    (r) =>
      r === "*" ||
      r === combined ||
      // "*/status" grants the status subresource of every resource, and nothing else.
      (subresource !== undefined && r === `*/${subresource}`),
  );
}

function resourceNameMatches(names: string[], name: string | undefined): boolean {
  if (names.length === 0) return true;
  return name !== undefined && name !== "" && names.includes(name);
}

/** rbac appliesTo: does any subject of the binding name this user? */
function subjectsApply(binding: KubeObject, user: RbacUser, bindingNamespace: string | undefined): boolean {
  const subjects: Array<{ kind?: string; name?: string; namespace?: string }> = Array.isArray(
    binding.subjects,
  )
    ? binding.subjects
    : [];
  return subjects.some((s) => {
    switch (s.kind) {
      case "User":
        return s.name === user.username;
      case "Group":
        return s.name !== undefined && user.groups.includes(s.name);
      case "ServiceAccount": {
        const namespace = s.namespace || bindingNamespace;
        if (!namespace) return false;
        return user.username === `system:serviceaccount:${namespace}:${s.name}`;
      }
      default:
        return false;
    }
  });
}

/** utilerrors.NewAggregate(...).Error(): one error as is, several as "[a, b]". */
function formatAggregate(messages: string[]): string {
  return messages.length === 1 ? (messages[0] as string) : `[${messages.join(", ")}]`;
}

/**
 * The bootstrap policy every cluster starts with that matters here (plugin/pkg/auth/authorizer/rbac/bootstrappolicy/
 * policy.go): cluster-admin, bound to system:masters, and system:basic-user, bound to system:authenticated, which
 * lets every user ask what they themselves may do (self access and rules reviews, and "who am I").
 */
export function bootstrapRbacObjects(): Array<{ resource: string; object: NewObject }> {
  const metadata = (name: string) => ({
    name,
    labels: { "kubernetes.io/bootstrapping": "rbac-defaults" },
    annotations: { "rbac.authorization.kubernetes.io/autoupdate": "true" },
  });
  return [
    {
      resource: "clusterroles",
      object: {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "ClusterRole",
        metadata: metadata("cluster-admin"),
        rules: [
          { apiGroups: ["*"], resources: ["*"], verbs: ["*"] },
          { nonResourceURLs: ["*"], verbs: ["*"] },
        ],
      },
    },
    {
      resource: "clusterrolebindings",
      object: {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "ClusterRoleBinding",
        metadata: metadata("cluster-admin"),
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "cluster-admin" },
        subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "Group", name: PRIVILEGED_GROUP }],
      },
    },
    {
      resource: "clusterroles",
      object: {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "ClusterRole",
        metadata: metadata("system:basic-user"),
        rules: [
          {
            apiGroups: ["authorization.k8s.io"],
            resources: ["selfsubjectaccessreviews", "selfsubjectrulesreviews"],
            verbs: ["create"],
          },
          { apiGroups: ["authentication.k8s.io"], resources: ["selfsubjectreviews"], verbs: ["create"] },
        ],
      },
    },
    {
      resource: "clusterrolebindings",
      object: {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "ClusterRoleBinding",
        metadata: metadata("system:basic-user"),
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "system:basic-user" },
        subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "Group", name: "system:authenticated" }],
      },
    },
  ];
}
