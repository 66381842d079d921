import type { ResourceDef } from "../resources.ts";

/**
 * Errors the API server reports as metav1.Status objects, with the codes, reasons and message texts of
 * k8s.io/apimachinery/pkg/api/errors and the apiserver's filters, so clients parse them as they parse the real ones.
 */
export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: { reason?: string; message?: string; field?: string }[];
  retryAfterSeconds?: number;
}

export class ApiError extends Error {
  override name = "ApiError";
  readonly code: number;
  readonly reason: string;
  readonly details: StatusDetails | undefined;
  /** Status.metadata.continue: the real 410 for an expired continue token carries a fresh token to go on with. */
  readonly continueToken: string | undefined;
  constructor(
    code: number,
    reason: string,
    message: string,
    details?: StatusDetails,
    continueToken?: string,
  ) {
    super(message);
    this.code = code;
    this.reason = reason;
    this.details = details;
    this.continueToken = continueToken;
  }

  toStatus(): Record<string, unknown> {
    return statusObject(this.code, this.reason, this.message, this.details, this.continueToken);
  }
}

export function statusObject(
  code: number,
  reason: string,
  message: string,
  details?: StatusDetails,
  continueToken?: string,
): Record<string, unknown> {
  const status: Record<string, unknown> = {
    kind: "Status",
    apiVersion: "v1",
    metadata: continueToken ? { continue: continueToken } : {},
    status: "Failure",
    message,
    reason,
  };
  if (details) status.details = details;
  status.code = code;
  return status;
}

export function successStatus(details: StatusDetails): Record<string, unknown> {
  return { kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", details };
}

/** schema.GroupResource.String(): "pods", "daemonsets.apps". */
export function qualifiedResource(def: Pick<ResourceDef, "plural" | "group">): string {
  return def.group === "" ? def.plural : `${def.plural}.${def.group}`;
}

/** schema.GroupKind.String(): "Pod", "DaemonSet.apps" (used by 422 Invalid). */
export function qualifiedKind(def: Pick<ResourceDef, "kind" | "group">): string {
  return def.group === "" ? def.kind : `${def.kind}.${def.group}`;
}

function groupResourceDetails(def: ResourceDef, name?: string): StatusDetails {
  const details: StatusDetails = {};
  if (name) details.name = name;
  if (def.group) details.group = def.group;
  details.kind = def.plural;
  return details;
}

/** metav1.CauseType for each field.ErrorType (apimachinery pkg/util/validation/field/errors.go). */
const CAUSE_REASONS: Record<string, string> = {
  "Required value": "FieldValueRequired",
  Forbidden: "FieldValueForbidden",
  "Too long": "FieldValueTooLong",
  "Unsupported value": "FieldValueNotSupported",
};

export const errors = {
  badRequest(message: string): ApiError {
    return new ApiError(400, "BadRequest", message);
  },
  unauthorized(): ApiError {
    return new ApiError(401, "Unauthorized", "Unauthorized");
  },
  /** What the authorization filter answers (apiserver/pkg/endpoints/handlers/responsewriters.ForbiddenStatusError). */
  forbidden(
    attrs: {
      username: string;
      verb: string;
      group: string;
      resource: string;
      subresource?: string | undefined;
      namespace?: string | undefined;
      name?: string | undefined;
    },
    authorizerReason?: string,
  ): ApiError {
    const resourceText = attrs.subresource ? `${attrs.resource}/${attrs.subresource}` : attrs.resource;
    const scope = attrs.namespace ? `in the namespace "${attrs.namespace}"` : "at the cluster scope";
    const reason = `User "${attrs.username}" cannot ${attrs.verb} resource "${resourceText}" in API group "${attrs.group}" ${scope}${authorizerReason ? `: ${authorizerReason}` : ""}`;
    const gr = attrs.group ? `${attrs.resource}.${attrs.group}` : attrs.resource;
    const message = attrs.name
      ? `${gr} "${attrs.name}" is forbidden: ${reason}`
      : `${gr} is forbidden: ${reason}`;
    const details: StatusDetails = {};
    if (attrs.name) details.name = attrs.name;
    if (attrs.group) details.group = attrs.group;
    details.kind = attrs.resource;
    return new ApiError(403, "Forbidden", message, details);
  },
  /** Forbidden for a non-resource path such as /version when the authorizer refuses it. */
  forbiddenPath(username: string, verb: string, path: string): ApiError {
    return new ApiError(403, "Forbidden", `forbidden: User "${username}" cannot ${verb} path "${path}"`, {});
  },
  notFound(def: ResourceDef, name: string): ApiError {
    return new ApiError(
      404,
      "NotFound",
      `${qualifiedResource(def)} "${name}" not found`,
      groupResourceDetails(def, name),
    );
  },
  /** The answer for an API path nothing serves (apierrors.NewNotFound with an empty resource). */
  pathNotFound(): ApiError {
    return new ApiError(404, "NotFound", "the server could not find the requested resource", {});
  },
  methodNotAllowed(): ApiError {
    return new ApiError(
      405,
      "MethodNotAllowed",
      "the server does not allow this method on the requested resource",
      {},
    );
  },
  alreadyExists(def: ResourceDef, name: string): ApiError {
    return new ApiError(
      409,
      "AlreadyExists",
      `${qualifiedResource(def)} "${name}" already exists`,
      groupResourceDetails(def, name),
    );
  },
  conflict(def: ResourceDef, name: string, why: string): ApiError {
    return new ApiError(
      409,
      "Conflict",
      `Operation cannot be fulfilled on ${qualifiedResource(def)} "${name}": ${why}`,
      groupResourceDetails(def, name),
    );
  },
  staleUpdate(def: ResourceDef, name: string): ApiError {
    return errors.conflict(
      def,
      name,
      "the object has been modified; please apply your changes to the latest version and try again",
    );
  },
  expired(message: string, continueToken?: string): ApiError {
    return new ApiError(410, "Expired", message, undefined, continueToken);
  },
  unsupportedMediaType(message: string): ApiError {
    return new ApiError(415, "UnsupportedMediaType", message, {});
  },
  /** 422 with one cause per field error, formatted as field.ErrorList.ToAggregate() prints them. */
  invalid(
    def: ResourceDef,
    name: string,
    causes: { field: string; type: string; detail: string }[],
  ): ApiError {
    // field.Error.Error(): "field: Type: detail", the detail left off when empty (field/errors.go ErrorBody).
    const body = (c: { type: string; detail: string }) => (c.detail ? `${c.type}: ${c.detail}` : c.type);
    const texts = causes.map((c) => `${c.field}: ${body(c)}`);
    const joined = texts.length === 1 ? texts[0] : `[${texts.join(", ")}]`;
    const details: StatusDetails = { name, kind: def.kind };
    if (def.group) details.group = def.group;
    details.causes = causes.map((c) => ({
      reason: CAUSE_REASONS[c.type] ?? "FieldValueInvalid",
      message: body(c),
      field: c.field,
    }));
    return new ApiError(422, "Invalid", `${qualifiedKind(def)} "${name}" is invalid: ${joined}`, details);
  },
  internal(message: string): ApiError {
    return new ApiError(500, "InternalError", `Internal error occurred: ${message}`, {
      causes: [{ message }],
    });
  },
  tooManyRequests(message: string, retryAfterSeconds: number): ApiError {
    return new ApiError(429, "TooManyRequests", message, { retryAfterSeconds });
  },
  serviceUnavailable(message: string): ApiError {
    return new ApiError(503, "ServiceUnavailable", message);
  },
};
