/**
 * Splits an API path into what the request is about, as k8s.io/apiserver's RequestInfoFactory does: this is what
 * authorization sees (verb, group, resource, subresource, namespace, name) before anything checks the type exists.
 */
export interface RequestInfo {
  isResourceRequest: boolean;
  path: string;
  /** get list watch create update patch delete deletecollection (resource requests); the lower-case method otherwise. */
  verb: string;
  group: string;
  version: string;
  namespace?: string;
  resource: string;
  subresource?: string;
  name?: string;
  /** The path segments after the group/version, for routing discovery. */
  parts: string[];
}

const NAMESPACE_SUBRESOURCES = new Set(["status", "finalize"]);

function isTrue(v: string | null): boolean {
  return v === "1" || v === "true";
}

export function requestInfoFor(method: string, path: string, query: URLSearchParams): RequestInfo {
  const segments = path.split("/").filter((s) => s !== "");
  const nonResource: RequestInfo = {
    isResourceRequest: false,
    path,
    verb: method.toLowerCase(),
    group: "",
    version: "",
    resource: "",
    parts: segments,
  };
  let rest: string[];
  let group: string;
  let version: string;
  if (segments[0] === "api") {
    if (segments.length < 2) return nonResource;
    group = "";
    version = segments[1] as string;
    rest = segments.slice(2);
  } else if (segments[0] === "apis") {
    if (segments.length < 3) return nonResource;
    group = segments[1] as string;
    version = segments[2] as string;
    rest = segments.slice(3);
  } else {
    return nonResource;
  }
  if (rest.length === 0) return { ...nonResource, group, version };

  let verb: string;
  switch (method) {
    case "POST":
      verb = "create";
      break;
    case "GET":
    case "HEAD":
      verb = "get";
      break;
    case "PUT":
      verb = "update";
      break;
    case "PATCH":
      verb = "patch";
      break;
    case "DELETE":
      verb = "delete";
      break;
    default:
      verb = method.toLowerCase();
  }
  // The deprecated /watch/ prefix (kubectl -w on old clients, some libraries still use it).
  let legacyWatch = false;
  if (rest[0] === "watch") {
    legacyWatch = true;
    verb = "watch";
    rest = rest.slice(1);
  }
  const info: RequestInfo = {
    isResourceRequest: true,
    path,
    verb,
    group,
    version,
    resource: "",
    parts: rest,
  };
  let parts = rest;
  if (parts[0] === "namespaces") {
    if (parts.length > 1) {
      info.namespace = parts[1] as string;
      if (parts.length > 2 && !NAMESPACE_SUBRESOURCES.has(parts[2] as string)) parts = parts.slice(2);
    }
  }
  info.parts = parts;
  info.resource = parts[0] ?? "";
  if (parts.length >= 2) info.name = parts[1] as string;
  if (parts.length >= 3) info.subresource = parts[2] as string;

  if (info.name === undefined) {
    if (verb === "get") verb = isTrue(query.get("watch")) ? "watch" : "list";
    else if (verb === "delete") verb = "deletecollection";
  } else if (verb === "get" && isTrue(query.get("watch"))) {
    verb = "watch";
  }
  if (legacyWatch) verb = "watch";
  info.verb = verb;
  return info;
}

/**
 * The name authorization sees: the path's, or for a list or watch the one a `metadata.name=` (or `==`) field
 * selector pins, as RequestInfoFactory does, so that a resourceNames rule can allow watching a single object.
 * Routing keeps using `info.name`: such a request is still served as a list.
 */
export function authorizationName(info: RequestInfo, query: URLSearchParams): string | undefined {
  if (info.name !== undefined) return info.name;
  if (info.verb !== "list" && info.verb !== "watch") return undefined;
  const selector = query.get("fieldSelector");
  if (!selector) return undefined;
  let pinned: string | undefined;
  for (const term of selector.split(",")) {
    const match = /^\s*metadata\.name\s*(?:==|=)\s*([^\s]+)\s*$/.exec(term);
    if (match) pinned = match[1];
  }
  // fields.RequiresExactMatch, then path.IsValidPathSegmentName.
  return pinned !== undefined && pinned !== "." && pinned !== ".." && !/[/%]/.test(pinned)
    ? pinned
    : undefined;
}
