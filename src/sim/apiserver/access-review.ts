/**
 * SelfSubjectAccessReview: "may I do this?", answered for the requesting user by the same authorizer that guards
 * every request, and never stored. Modelled on kube-apiserver (kubernetes/kubernetes
 * pkg/registry/authorization/selfsubjectaccessreview/rest.go, pkg/apis/authorization/validation/validation.go,
 * pkg/registry/authorization/util/helpers.go ResourceAttributesFrom):
 *
 * - exactly one of spec.resourceAttributes and spec.nonResourceAttributes, else 422 with upstream's text;
 * - the user is the caller's (a spec naming another user is not a thing the self review has);
 * - an empty namespace asks "in all namespaces", which RBAC answers from ClusterRoleBindings only;
 * - status.allowed comes from the authorizer, status.denied stays false (RBAC never denies, it has no opinion), and
 *   status.reason carries the authorizer's reason; the object comes back with HTTP 201.
 *
 * Non-resource attributes are answered "not allowed" with a reason: the simulator's RBAC does not model non-resource
 * URLs (see cluster/rbac.ts).
 */
import type { KubeObject } from "../objects.ts";
import { ApiError } from "./status.ts";

export interface ReviewedAttributes {
  verb: string;
  group: string;
  resource: string;
  subresource?: string;
  namespace?: string;
  name?: string;
}

export type AccessDecider = (
  attrs: ReviewedAttributes,
) => Promise<{ allowed: boolean; reason?: string }> | { allowed: boolean; reason?: string };

function invalidReview(detail: string): ApiError {
  return new ApiError(
    422,
    "Invalid",
    `SelfSubjectAccessReview.authorization.k8s.io "" is invalid: ${detail}`,
    {
      group: "authorization.k8s.io",
      kind: "SelfSubjectAccessReview",
      causes: [{ reason: "FieldValueInvalid", message: detail, field: "spec.resourceAttributes" }],
    },
  );
}

const text = (v: unknown): string => (typeof v === "string" ? v : "");

export async function selfSubjectAccessReview(body: KubeObject, decide: AccessDecider): Promise<KubeObject> {
  const spec = (body.spec ?? {}) as Record<string, unknown>;
  const resource = spec.resourceAttributes as Record<string, unknown> | undefined;
  const nonResource = spec.nonResourceAttributes as Record<string, unknown> | undefined;
  if ((resource === undefined) === (nonResource === undefined)) {
    throw invalidReview(
      `spec.resourceAttributes: Invalid value: "null": exactly one of nonResourceAttributes or resourceAttributes must be specified`,
    );
  }
  let status: { allowed: boolean; denied?: boolean; reason?: string };
  if (resource) {
    const attrs: ReviewedAttributes = {
      verb: text(resource.verb),
      group: text(resource.group),
      resource: text(resource.resource),
    };
    if (text(resource.subresource)) attrs.subresource = text(resource.subresource);
    if (text(resource.namespace)) attrs.namespace = text(resource.namespace);
    if (text(resource.name)) attrs.name = text(resource.name);
    const verdict = await decide(attrs);
    status = { allowed: verdict.allowed };
    if (verdict.reason) status.reason = verdict.reason;
  } else {
    status = { allowed: false, reason: "the simulated API server does not model non-resource URLs" };
  }
  return {
    kind: "SelfSubjectAccessReview",
    apiVersion: "authorization.k8s.io/v1",
    metadata: { creationTimestamp: null } as unknown as KubeObject["metadata"],
    spec,
    status,
  } as KubeObject;
}

/**
 * The `dryRun` query parameter of a write, checked as apimachinery does
 * (staging/src/k8s.io/apimachinery/pkg/apis/meta/v1/validation/validation.go ValidateDryRun: "All" is the only
 * value; anything else is a 422 on the options kind). True when the write must not be persisted
 * (staging/src/k8s.io/apiserver/pkg/registry/generic/registry/dryrun.go).
 */
export function isDryRun(
  query: URLSearchParams,
  optionsKind: "CreateOptions" | "UpdateOptions" | "PatchOptions" | "DeleteOptions",
  fromBody: readonly string[] = [],
): boolean {
  const values = [...query.getAll("dryRun"), ...fromBody];
  for (const v of values) {
    if (v !== "All") {
      throw new ApiError(
        422,
        "Invalid",
        `${optionsKind}.meta.k8s.io "" is invalid: dryRun: Unsupported value: []string{${values.map((x) => JSON.stringify(x)).join(", ")}}: supported values: "All"`,
        { kind: optionsKind, group: "meta.k8s.io" },
      );
    }
  }
  return values.length > 0;
}
