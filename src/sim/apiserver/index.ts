import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer } from "node:https";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import {
  chooseProtocol,
  EXEC_PROTOCOLS,
  type ExecResult,
  type ExecTarget,
  execTarget,
  refuseUpgrade,
  serveExec,
} from "../exec/exec-stream.ts";
import type { KubeObject } from "../objects.ts";
import type { ResourceDef } from "../resources.ts";
import type { ObjectStore } from "../store.ts";
import { selfSubjectAccessReview } from "./access-review.ts";
import {
  apiGroupDocument,
  apiGroupList,
  apiResourceList,
  apiVersions,
  DEFAULT_VERSION,
  resourceFor,
  type VersionInfo,
} from "./discovery.ts";
import { type FaultEffect, FaultInjector } from "./faults.ts";
import { parseFieldSelector } from "./fields.ts";
import {
  createObject,
  deleteCollection,
  deleteObject,
  deleteOptionsFrom,
  getObject,
  listObjects,
  parseSelectors,
  patchObject,
  type Reply,
  type ResourceRequest,
  updateObject,
} from "./handlers.ts";
import {
  decodeBody,
  type ResponseMeter,
  readBody,
  sendError,
  sendJson,
  sendJsonText,
  sendText,
  tableRequested,
} from "./http.ts";
import { authorizationName, type RequestInfo, requestInfoFor } from "./request-info.ts";
import { ApiError, errors } from "./status.ts";
import { includeObjectFrom, tableJson } from "./tables.ts";
import { plainEncoder, WatchHub } from "./watch.ts";

export type { VersionInfo } from "./discovery.ts";
export type { FaultRule } from "./faults.ts";
export { FaultInjector } from "./faults.ts";

export interface UserInfo {
  username: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

export interface RequestAttributes {
  user: UserInfo;
  /** get list watch create update patch delete deletecollection */
  verb: string;
  group: string;
  resource: string;
  subresource?: string;
  namespace?: string;
  name?: string;
}

export type AuthorizationVerdict = boolean | { allowed: boolean; reason?: string };

export interface ApiServerOptions {
  store: ObjectStore;
  tls: { certPem: string; keyPem: string };
  host?: "127.0.0.1";
  /** 0 = any free port. */
  port?: number;
  /** Resolves a bearer token to a user; null answers 401. */
  authenticate(bearerToken: string): Promise<UserInfo | null>;
  /**
   * Default: allow everything. false (or `allowed: false`) answers 403 with the real server's message, followed by
   * the authorizer's reason when it gives one (as RBAC does for a binding whose role is missing).
   */
  authorize?(
    attrs: RequestAttributes,
    context?: { review: boolean },
  ): AuthorizationVerdict | Promise<AuthorizationVerdict>;
  /** POST .../serviceaccounts/{name}/token: returns the TokenRequest with status.token and status.expirationTimestamp. */
  tokenRequest(
    namespace: string,
    serviceAccount: string,
    body: KubeObject,
    user: UserInfo,
  ): Promise<KubeObject>;
  /** POST /apis/authentication.k8s.io/v1/tokenreviews. */
  tokenReview(body: KubeObject, user: UserInfo): Promise<KubeObject>;
  faults?: FaultInjector;
  /** Runs a `pods/exec` command in a pod's container (the kubelet's part); without it exec is refused. */
  execInContainer?(target: ExecTarget, signal: AbortSignal): Promise<ExecResult>;
  version?: Partial<VersionInfo>;
  /**
   * How often watches that allow bookmarks get one. The default is kube-apiserver's: once a minute
   * (kubernetes/kubernetes staging/src/k8s.io/apiserver/pkg/storage/cacher/cacher.go: defaultBookmarkFrequency),
   * which is longer than client-node's 30 s inactivity timeout, so a quiet client-node watch is abandoned by the
   * client before its first bookmark, as it is against a real cluster.
   */
  watchBookmarkIntervalMs?: number;
  /** Receives one line per request when set, and always the paths nothing serves (to find what clients ask for). */
  log?: (line: string) => void;
  logRequests?: boolean;
}

export interface ApiServer {
  url: string;
  port: number;
  close(): Promise<void>;
  requestCount(): number;
  bytesSent(): number;
  activeWatches(): number;
  faults: FaultInjector;
}

/** Watches without timeoutSeconds end after the real server's default minimum request timeout. */
const DEFAULT_WATCH_TIMEOUT_MS = 1800_000;

/** Paths that answer without credentials, as system:public-info-viewer allows on a kubeadm cluster. */
const PUBLIC_PATHS = new Set(["/healthz", "/livez", "/readyz", "/version"]);

const REASON_BY_CODE: Record<number, string> = {
  400: "BadRequest",
  401: "Unauthorized",
  403: "Forbidden",
  404: "NotFound",
  405: "MethodNotAllowed",
  409: "Conflict",
  410: "Expired",
  422: "Invalid",
  429: "TooManyRequests",
  500: "InternalError",
  503: "ServiceUnavailable",
  504: "Timeout",
};

function injectedError(effect: FaultEffect): ApiError {
  const code = effect.status as number;
  const reason = REASON_BY_CODE[code] ?? "Unknown";
  const message =
    effect.message ??
    (code === 500 ? "Internal error occurred: injected fault" : `injected fault: ${reason}`);
  return new ApiError(code, reason, message, code === 429 ? { retryAfterSeconds: 1 } : undefined);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function bearerToken(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  if (!header) return undefined;
  const match = /^Bearer\s+(.+)$/i.exec(header.trim());
  return match?.[1]?.trim();
}

export async function startApiServer(opts: ApiServerOptions): Promise<ApiServer> {
  const store = opts.store;
  const faults = opts.faults ?? new FaultInjector();
  const hub = new WatchHub(store);
  const version: VersionInfo = { ...DEFAULT_VERSION, ...opts.version };
  const bookmarkIntervalMs = opts.watchBookmarkIntervalMs ?? 60_000;
  let requests = 0;
  let bytes = 0;
  const meter: ResponseMeter = { addBytes: (n) => (bytes += n) };
  let serverAddress = "127.0.0.1:0";

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    requests++;
    const url = new URL(req.url ?? "/", "https://127.0.0.1");
    const method = (req.method ?? "GET").toUpperCase();
    const path = url.pathname.length > 1 ? url.pathname.replace(/\/+$/, "") : url.pathname;
    const info = requestInfoFor(method, path, url.searchParams);
    res.setHeader("Audit-Id", randomUUID());
    if (opts.logRequests) {
      res.on("finish", () =>
        opts.log?.(`${method} ${req.url} -> ${res.statusCode} (${req.headers.accept ?? ""})`),
      );
    }

    const effect = faults.evaluate({
      method,
      path,
      resource: info.isResourceRequest ? info.resource : undefined,
      verb: info.isResourceRequest ? info.verb : undefined,
      hasContinue: url.searchParams.has("continue"),
      resourceVersion: url.searchParams.get("resourceVersion") ?? undefined,
    });
    if (effect && effect.delayMs > 0) await sleep(effect.delayMs);
    if (effect?.status !== undefined) throw injectedError(effect);

    const user = await authenticate(req, path);
    if (!info.isResourceRequest) {
      serveNonResource(req, res, info, url);
      return;
    }
    await authorize(user, info, url);
    if (info.subresource === "exec" && info.resource === "pods")
      // Exec needs a connection upgrade (WebSocket); a plain request gets the real server's refusal.
      throw errors.badRequest("Upgrade request required");
    await serveResource(req, res, info, url, user, effect);
  }

  async function authenticate(req: IncomingMessage, path: string): Promise<UserInfo> {
    const token = bearerToken(req);
    let user: UserInfo | null = null;
    if (token !== undefined) user = await opts.authenticate(token);
    if (user) return user;
    if (token === undefined && PUBLIC_PATHS.has(path))
      return { username: "system:anonymous", groups: ["system:unauthenticated"] };
    throw errors.unauthorized();
  }

  async function authorize(user: UserInfo, info: RequestInfo, url: URL): Promise<void> {
    const attrs: RequestAttributes = { user, verb: info.verb, group: info.group, resource: info.resource };
    if (info.subresource !== undefined) attrs.subresource = info.subresource;
    if (info.namespace !== undefined) attrs.namespace = info.namespace;
    const name = authorizationName(info, url.searchParams);
    if (name !== undefined) attrs.name = name;
    if (!opts.authorize) return;
    const verdict = await opts.authorize(attrs);
    const allowed = typeof verdict === "boolean" ? verdict : verdict.allowed;
    if (!allowed) {
      const reason = typeof verdict === "boolean" ? undefined : verdict.reason;
      throw errors.forbidden({ username: user.username, ...attrs }, reason);
    }
  }

  /**
   * `pods/exec` over WebSocket. Authorized as `create` on pods/exec whatever the HTTP method, as kube-apiserver does
   * for WebSocket upgrades since the AuthorizePodWebsocketUpgradeCreatePermission gate
   * (kubernetes/kubernetes staging/src/k8s.io/apiserver/pkg/endpoints/filters/authorization.go): a GET would
   * otherwise need only `get`, which read-only roles grant.
   */
  async function upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    requests++;
    const url = new URL(req.url ?? "/", "https://127.0.0.1");
    const method = (req.method ?? "GET").toUpperCase();
    const path = url.pathname.replace(/\/+$/, "");
    const info = requestInfoFor(method, path, url.searchParams);
    if (!info.isResourceRequest || info.resource !== "pods" || info.subresource !== "exec" || !info.name)
      throw errors.pathNotFound();
    const command = url.searchParams.getAll("command");
    const effect = faults.evaluate({
      method,
      path,
      resource: "pods",
      verb: "create",
      command,
    });
    if (effect && effect.delayMs > 0) await sleep(effect.delayMs);
    if (effect?.status !== undefined) throw injectedError(effect);
    const user = await authenticate(req, path);
    await authorize(user, { ...info, verb: "create" }, url);
    const pod = store.get("pods", info.namespace, info.name);
    if (!pod) throw errors.notFound(resourceFor("", "v1", "pods") as ResourceDef, info.name);
    const target = execTarget(pod, url.searchParams);
    const offered = String(req.headers["sec-websocket-protocol"] ?? "")
      .split(",")
      .map((p) => p.trim())
      .filter(Boolean);
    if (String(req.headers.upgrade ?? "").toLowerCase() !== "websocket" || !chooseProtocol(offered))
      throw errors.badRequest(
        `the simulated API server serves exec over WebSocket with ${EXEC_PROTOCOLS.join(" or ")} only (asked: ${req.headers.upgrade ?? "no upgrade"}${offered.length ? `, ${offered.join(", ")}` : ""})`,
      );
    const run = opts.execInContainer;
    if (!run) throw errors.internal("this simulated API server has no kubelet to run exec");
    serveExec(req, socket, head, (signal) => run(target, signal), effect?.dropExec);
  }

  function serveNonResource(req: IncomingMessage, res: ServerResponse, info: RequestInfo, url: URL): void {
    const path = info.path;
    if (path === "/healthz" || path === "/livez" || path === "/readyz") {
      const text = url.searchParams.has("verbose")
        ? `[+]ping ok\n[+]etcd ok\n${path.slice(1)} check passed\n`
        : "ok";
      sendText(res, meter, 200, text);
      return;
    }
    const doc = req.method === "GET" || req.method === "HEAD" ? discoveryDocument(info) : undefined;
    if (doc) {
      sendJson(res, meter, 200, doc);
      return;
    }
    if (req.method !== "GET" && req.method !== "HEAD" && path.startsWith("/api"))
      throw errors.methodNotAllowed();
    opts.log?.(
      `apiserver: nothing serves ${req.method} ${url.pathname}${url.search} (Accept: ${req.headers.accept ?? ""})`,
    );
    if (path.startsWith("/api") || path.startsWith("/openapi")) throw errors.pathNotFound();
    // Outside the API, the real server's mux answers in plain text.
    sendText(res, meter, 404, "404 page not found\n");
  }

  function discoveryDocument(info: RequestInfo): unknown {
    const parts = info.parts;
    if (info.path === "/version") return version;
    if (info.path === "/api") return apiVersions(serverAddress);
    if (info.path === "/apis") return apiGroupList();
    if (parts[0] === "api" && parts.length === 2) return apiResourceList("", parts[1] as string);
    if (parts[0] === "apis" && parts.length === 2) return apiGroupDocument(parts[1] as string);
    if (parts[0] === "apis" && parts.length === 3)
      return apiResourceList(parts[1] as string, parts[2] as string);
    return undefined;
  }

  async function serveResource(
    req: IncomingMessage,
    res: ServerResponse,
    info: RequestInfo,
    url: URL,
    user: UserInfo,
    effect: FaultEffect | undefined,
  ): Promise<void> {
    const def = resourceFor(info.group, info.version, info.resource);
    if (!def) {
      opts.log?.(`apiserver: unknown resource ${req.method} ${url.pathname}`);
      throw errors.pathNotFound();
    }
    if (def.namespaced === false && info.namespace !== undefined && def.plural !== "namespaces")
      throw errors.pathNotFound();
    if (def.namespaced && info.namespace === undefined && info.name !== undefined)
      throw errors.pathNotFound();
    if (info.parts.length > 3) throw errors.pathNotFound();
    const verb = info.verb;
    const r: ResourceRequest = {
      store,
      def,
      namespace: def.namespaced ? info.namespace : undefined,
      name: info.name,
      subresource: info.subresource,
      query: url.searchParams,
      table: tableRequested(req.headers.accept),
    };

    if (info.subresource !== undefined) return serveSubresource(req, res, r, verb, user);
    if (!def.verbs.includes(verb)) throw errors.methodNotAllowed();
    if (
      def.namespaced &&
      info.namespace === undefined &&
      (verb === "create" || verb === "deletecollection")
    ) {
      throw errors.methodNotAllowed();
    }
    if (def.plural === "selfsubjectaccessreviews") {
      const body = decodeBody(await readBody(req), req.headers["content-type"]) as KubeObject;
      const review = await selfSubjectAccessReview(body, async (attrs) => {
        if (!opts.authorize) return { allowed: true };
        const verdict = await opts.authorize({ user, ...attrs }, { review: true });
        return typeof verdict === "boolean" ? { allowed: verdict } : verdict;
      });
      return sendJson(res, meter, 201, review);
    }
    if (def.plural === "tokenreviews") {
      // Not stored: the authenticator judges the token and the answer goes straight back.
      const body = decodeBody(await readBody(req), req.headers["content-type"]) as KubeObject;
      return sendJson(res, meter, 201, await opts.tokenReview(body, user));
    }
    let reply: Reply;
    switch (verb) {
      case "get":
        reply = getObject(r);
        break;
      case "list":
        reply = listObjects(r, effect?.expireContinue === true);
        break;
      case "watch":
        return serveWatch(res, r, effect);
      case "create":
        reply = createObject(r, decodeBody(await readBody(req), req.headers["content-type"]));
        break;
      case "update":
        reply = updateObject(r, decodeBody(await readBody(req), req.headers["content-type"]));
        break;
      case "patch":
        reply = patchObject(r, req.headers["content-type"], await readBody(req));
        break;
      case "delete":
      case "deletecollection": {
        const raw = await readBody(req);
        const body = raw.length > 0 ? decodeBody(raw, req.headers["content-type"]) : undefined;
        const options = deleteOptionsFrom(r.query, body);
        reply = verb === "delete" ? deleteObject(r, options) : deleteCollection(r, options);
        break;
      }
      default:
        throw errors.methodNotAllowed();
    }
    sendJsonText(res, meter, reply.code, reply.json, warningHeaders(reply));
  }

  async function serveSubresource(
    req: IncomingMessage,
    res: ServerResponse,
    r: ResourceRequest,
    verb: string,
    user: UserInfo,
  ): Promise<void> {
    const def = r.def;
    if (r.subresource === "status" && def.subresources?.includes("status")) {
      let reply: Reply;
      if (verb === "get") reply = getObject(r);
      else if (verb === "update")
        reply = updateObject(r, decodeBody(await readBody(req), req.headers["content-type"]));
      else if (verb === "patch") reply = patchObject(r, req.headers["content-type"], await readBody(req));
      else throw errors.methodNotAllowed();
      return sendJsonText(res, meter, reply.code, reply.json, warningHeaders(reply));
    }
    if (r.subresource === "token" && def.plural === "serviceaccounts") {
      if (verb !== "create") throw errors.methodNotAllowed();
      const body = decodeBody(await readBody(req), req.headers["content-type"]) as KubeObject;
      const namespace = r.namespace as string;
      const name = r.name as string;
      if (!store.get("serviceaccounts", namespace, name)) throw errors.notFound(def, name);
      const issued = await opts.tokenRequest(namespace, name, body, user);
      return sendJson(res, meter, 201, issued);
    }
    throw errors.pathNotFound();
  }

  function serveWatch(res: ServerResponse, r: ResourceRequest, effect: FaultEffect | undefined): void {
    const { labels, fields } = parseSelectors(r.def, r.query);
    if (r.name !== undefined) fields.push(...parseFieldSelector(`metadata.name=${r.name}`, r.def));
    const timeoutSeconds = Number(r.query.get("timeoutSeconds") ?? "");
    const table = r.table;
    const include = includeObjectFrom(r.query.get("includeObject"));
    const encode = table
      ? (obj: KubeObject) =>
          tableJson(
            r.def,
            [obj],
            { resourceVersion: obj.metadata.resourceVersion },
            table,
            include,
            store.now(),
          )
      : plainEncoder;
    const watchOptions: Parameters<WatchHub["serve"]>[1] = {
      def: r.def,
      namespace: r.namespace,
      labels,
      fields,
      resourceVersion: r.query.get("resourceVersion") ?? "",
      timeoutMs: timeoutSeconds > 0 ? timeoutSeconds * 1000 : DEFAULT_WATCH_TIMEOUT_MS,
      allowBookmarks: isTrue(r.query.get("allowWatchBookmarks")),
      bookmarkIntervalMs,
      sendInitialEvents: isTrue(r.query.get("sendInitialEvents")),
      encode,
      onBytes: meter.addBytes,
    };
    if (effect?.dropWatchAfterMs !== undefined) watchOptions.dropAfterMs = effect.dropWatchAfterMs;
    if (effect?.expireWatch) watchOptions.expired = true;
    hub.serve(res, watchOptions);
  }

  const server = createServer({ cert: opts.tls.certPem, key: opts.tls.keyPem }, (req, res) => {
    handle(req, res).catch((e: unknown) => {
      const err = e instanceof ApiError ? e : errors.internal(e instanceof Error ? e.message : String(e));
      if (!(e instanceof ApiError))
        opts.log?.(`apiserver: ${req.method} ${req.url} failed: ${(e as Error)?.stack ?? e}`);
      if (res.headersSent) {
        res.destroy();
        return;
      }
      sendError(res, meter, err);
    });
  });
  server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    upgrade(req, socket, head).catch((e: unknown) => {
      const err = e instanceof ApiError ? e : errors.internal(e instanceof Error ? e.message : String(e));
      refuseUpgrade(socket, err);
    });
  });
  // Long watches must not be cut by Node's default request/keep-alive timeouts.
  server.requestTimeout = 0;
  server.headersTimeout = 60_000;
  server.keepAliveTimeout = 65_000;

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, opts.host ?? "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  serverAddress = `127.0.0.1:${port}`;

  return {
    url: `https://127.0.0.1:${port}`,
    port,
    faults,
    requestCount: () => requests,
    bytesSent: () => bytes,
    activeWatches: () => hub.activeWatches,
    close: async () => {
      hub.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

function isTrue(v: string | null): boolean {
  return v === "1" || v === "true";
}

export type { ResourceDef };

/**
 * RFC 7234 Warning headers as kube-apiserver writes them, code 299 and agent "-", the text quoted
 * (k8s.io/apiserver/pkg/endpoints/filters/warning.go, apimachinery pkg/util/net/http.go NewWarningHeader).
 */
function warningHeaders(reply: Reply): Record<string, string | string[]> {
  if (!reply.warnings || reply.warnings.length === 0) return {};
  return { Warning: reply.warnings.map((w) => `299 - ${JSON.stringify(w)}`) };
}
