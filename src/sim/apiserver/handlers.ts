import { randomUUID } from "node:crypto";
import { parse as parseYaml } from "yaml";
import type { KubeObject } from "../objects.ts";
import { apiVersionOf, RESOURCES, type ResourceDef } from "../resources.ts";
import { isoSeconds, type ObjectStore, randomSuffix, StoreError } from "../store.ts";
import { isDryRun } from "./access-review.ts";
import { decodeObject, type FieldValidation, fieldValidationOf } from "./decode.ts";
import { type FieldSelector, parseFieldSelector } from "./fields.ts";
import type { TableRequest } from "./http.ts";
import { type LabelSelector, parseLabelSelector, SelectorParseError } from "./labels.ts";
import { listPage } from "./pagination.ts";
import { jsonPatch, mergePatch, PatchError, strategicMergePatch } from "./patch.ts";
import { evaluatePodSecurity } from "./pod-security.ts";
import { objectJson } from "./serialize.ts";
import { ApiError, errors, successStatus } from "./status.ts";
import { includeObjectFrom, tableJson } from "./tables.ts";
import { createProblems, MAX_GENERATE_NAME_BASE, updateProblems } from "./validation.ts";

/**
 * The REST verbs on stored resources. Each returns the status code and JSON text to send; the server module does
 * the HTTP around them. Behaviour follows the generic registry (k8s.io/apiserver/pkg/registry/generic/registry) and
 * the pod strategy where pods differ (graceful deletion).
 */
export interface Reply {
  code: number;
  json: string;
  /** Texts for `Warning: 299 - "..."` response headers (e.g. unknown fields under fieldValidation=Warn). */
  warnings?: string[];
}

export interface ResourceRequest {
  store: ObjectStore;
  def: ResourceDef;
  namespace: string | undefined;
  name: string | undefined;
  subresource: string | undefined;
  query: URLSearchParams;
  table: TableRequest | undefined;
}

// biome-ignore lint/suspicious/noExplicitAny: request bodies are arbitrary JSON until checked
type Json = any;

function isObject(v: unknown): v is Record<string, Json> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Translates the store's errors into the API's, qualifying the resource with its group as the real server does. */
export function fromStoreError(def: ResourceDef, name: string, e: unknown): never {
  if (e instanceof StoreError) {
    if (e.code === 404) throw errors.notFound(def, name);
    if (e.code === 409 && e.reason === "AlreadyExists") throw errors.alreadyExists(def, name);
    if (e.code === 409) throw errors.staleUpdate(def, name);
    throw new ApiError(e.code, e.reason, e.message, e.details);
  }
  throw e;
}

export function parseSelectors(
  def: ResourceDef,
  query: URLSearchParams,
): { labels: LabelSelector; fields: FieldSelector } {
  try {
    return {
      labels: parseLabelSelector(query.get("labelSelector") ?? ""),
      fields: parseFieldSelector(query.get("fieldSelector") ?? "", def),
    };
  } catch (e) {
    if (e instanceof SelectorParseError) throw errors.badRequest(e.message);
    throw e;
  }
}

function mustGet(r: ResourceRequest, name: string): KubeObject {
  const obj = r.store.get(r.def.plural, r.def.namespaced ? r.namespace : undefined, name);
  if (!obj) throw errors.notFound(r.def, name);
  return obj;
}

function objectReply(r: ResourceRequest, code: number, obj: KubeObject): Reply {
  if (r.table) {
    const json = tableJson(
      r.def,
      [obj],
      { resourceVersion: obj.metadata.resourceVersion },
      r.table,
      includeObjectFrom(r.query.get("includeObject")),
      r.store.now(),
    );
    return { code, json };
  }
  return { code, json: objectJson(obj) };
}

export function getObject(r: ResourceRequest): Reply {
  return objectReply(r, 200, mustGet(r, r.name as string));
}

function intParam(query: URLSearchParams, name: string): number | undefined {
  const v = query.get(name);
  if (v === null || v === "") return undefined;
  const n = Number(v);
  if (!Number.isInteger(n)) throw errors.badRequest(`invalid value for ${name}: ${v}`);
  return n;
}

export function listObjects(r: ResourceRequest, forceContinueExpired = false): Reply {
  const { labels, fields } = parseSelectors(r.def, r.query);
  const limit = Math.max(0, intParam(r.query, "limit") ?? 0);
  const continueToken = r.query.get("continue") || undefined;
  const page = listPage(r.store, {
    def: r.def,
    namespace: r.def.namespaced ? r.namespace : undefined,
    labels,
    fields,
    limit,
    continueToken,
    forceContinueExpired,
  });
  const meta: { resourceVersion: string; continue?: string; remainingItemCount?: number } = {
    resourceVersion: String(page.resourceVersion),
  };
  if (page.continueToken) meta.continue = page.continueToken;
  if (page.remainingItemCount !== undefined) meta.remainingItemCount = page.remainingItemCount;
  if (r.table) {
    return {
      code: 200,
      json: tableJson(
        r.def,
        page.items,
        meta,
        r.table,
        includeObjectFrom(r.query.get("includeObject")),
        r.store.now(),
      ),
    };
  }
  const items = page.items.map(objectJson).join(",");
  return {
    code: 200,
    json: `{"kind":"${r.def.listKind}","apiVersion":"${apiVersionOf(r.def)}","metadata":${JSON.stringify(meta)},"items":[${items}]}`,
  };
}

// ---- create ----

function checkTypeAndNamespace(r: ResourceRequest, body: Json): void {
  if (!isObject(body))
    throw errors.badRequest("the object provided is unrecognized (must be of type JSON object)");
  const apiVersion = apiVersionOf(r.def);
  if (body.kind !== undefined && body.kind !== r.def.kind) {
    throw errors.badRequest(
      `${body.kind} in version "${String(body.apiVersion ?? "")}" cannot be handled as a ${r.def.kind}: no kind "${body.kind}" is registered for version "${apiVersion}" in scheme "k8s.io/kubernetes/pkg/api/legacyscheme/scheme.go:30"`,
    );
  }
  if (body.apiVersion !== undefined && body.apiVersion !== apiVersion) {
    throw errors.badRequest(
      `the API version in the data (${body.apiVersion}) does not match the expected API version (${apiVersion})`,
    );
  }
  body.kind = r.def.kind;
  body.apiVersion = apiVersion;
  if (!isObject(body.metadata)) body.metadata = {};
  if (r.def.namespaced) {
    const ns = body.metadata.namespace;
    if (ns !== undefined && ns !== "" && ns !== r.namespace) {
      throw errors.badRequest(
        "the namespace of the provided object does not match the namespace sent on the request",
      );
    }
    body.metadata.namespace = r.namespace;
  } else {
    delete body.metadata.namespace;
  }
}

/** The few defaults clients rely on reading back from a freshly created pod. */
function defaultPod(pod: Json): void {
  pod.spec ??= {};
  pod.spec.restartPolicy ??= "Always";
  pod.spec.terminationGracePeriodSeconds ??= 30;
  pod.spec.dnsPolicy ??= "ClusterFirst";
  pod.spec.schedulerName ??= "default-scheduler";
  pod.spec.serviceAccountName ??= "default";
  pod.status ??= {};
  pod.status.phase ??= "Pending";
}

/**
 * The Priority admission plugin (kubernetes/kubernetes plugin/pkg/admission/priority/admission.go): a pod naming a
 * PriorityClass that does not exist is refused; otherwise it gets the class's value and preemption policy (or the
 * global default's, or 0).
 */
function admitPriority(r: ResourceRequest, pod: Json): void {
  const name = pod.spec.priorityClassName;
  const classes = r.store.list("priorityclasses");
  const chosen = name
    ? classes.find((c) => c.metadata.name === name)
    : classes.find((c) => c.globalDefault === true);
  if (name && !chosen)
    throw new ApiError(
      403,
      "Forbidden",
      `pods "${pod.metadata.name}" is forbidden: no PriorityClass with name ${name} was found`,
      {
        name: pod.metadata.name,
        kind: "pods",
      },
    );
  pod.spec.priority = chosen?.value ?? 0;
  if (chosen?.preemptionPolicy) pod.spec.preemptionPolicy ??= chosen.preemptionPolicy;
}

/** Spec changes bump metadata.generation for the workload controllers' observedGeneration. */
function tracksGeneration(def: ResourceDef): boolean {
  return def.group === "apps";
}

export function createObject(r: ResourceRequest, body: Json): Reply {
  const dryRun = isDryRun(r.query, "CreateOptions");
  checkTypeAndNamespace(r, body);
  const { warnings } = decodeObject(r.def, body, fieldValidationOf(r.query, "CreateOptions"));
  const meta = body.metadata;
  for (const field of [
    "uid",
    "resourceVersion",
    "creationTimestamp",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
  ]) {
    delete meta[field];
  }
  // Admission (NamespaceLifecycle) runs before the strategy validates.
  if (r.def.namespaced && r.namespace !== undefined && !r.store.get("namespaces", undefined, r.namespace)) {
    throw new ApiError(404, "NotFound", `namespaces "${r.namespace}" not found`, {
      name: r.namespace,
      kind: "namespaces",
    });
  }
  // rest.BeforeCreate names the object before validating it, so a bad generateName fails on both fields
  // (apiserver/pkg/registry/rest/create.go; the base is cut to 58 characters by apiserver/pkg/storage/names).
  if (!meta.name && meta.generateName) {
    const base = String(meta.generateName).slice(0, MAX_GENERATE_NAME_BASE);
    do meta.name = `${base}${randomSuffix()}`;
    while (r.store.get(r.def.plural, r.def.namespaced ? r.namespace : undefined, meta.name));
  }
  const problems = createProblems(r.def, body);
  if (problems.length > 0) throw errors.invalid(r.def, meta.name ?? "", problems);
  if (r.def.plural === "pods") {
    defaultPod(body);
    admitPriority(r, body);
    // Validating admission (PodSecurity) sees the defaulted, validated pod, as in the real create handler.
    const security = evaluatePodSecurity(r.store.get("namespaces", undefined, r.namespace as string), body);
    if (security.refusal)
      throw new ApiError(403, "Forbidden", `pods "${meta.name}" is forbidden: ${security.refusal}`, {
        name: meta.name,
        kind: "pods",
      });
    warnings.push(...security.warnings);
  }
  if (r.def.plural === "namespaces") body.status = { phase: "Active", ...(body.status ?? {}) };
  if (tracksGeneration(r.def)) meta.generation = 1;
  if (dryRun) return { ...objectReply(r, 201, dryRunCreated(r, body)), warnings };
  let created: KubeObject;
  try {
    created = r.store.create(r.def.plural, body);
  } catch (e) {
    fromStoreError(r.def, meta.name ?? meta.generateName, e);
  }
  return { ...objectReply(r, 201, created), warnings };
}

/**
 * A dry-run create goes through decoding, admission and validation like any other, and stops before storage: the
 * dry-run storage answers AlreadyExists for a taken name and otherwise returns the object as it would have been
 * created, system fields filled, with no resourceVersion (apiserver pkg/registry/generic/registry/dryrun.go Create,
 * rest.FillObjectMetaSystemFields).
 */
function dryRunCreated(r: ResourceRequest, body: Json): KubeObject {
  const meta = body.metadata;
  if (r.store.get(r.def.plural, r.def.namespaced ? r.namespace : undefined, meta.name))
    throw errors.alreadyExists(r.def, meta.name);
  meta.uid = randomUUID();
  meta.creationTimestamp = isoSeconds(r.store.now());
  return body as KubeObject;
}

// ---- update and patch ----

function hasStatusSubresource(def: ResourceDef): boolean {
  return def.subresources?.includes("status") ?? false;
}

/**
 * Builds what gets stored from the client's new version: the main resource cannot change status, the status
 * subresource can change nothing else, and system metadata always comes from the stored object.
 */
function prepareUpdate(r: ResourceRequest, current: KubeObject, next: Json): KubeObject {
  let out: Json;
  if (r.subresource === "status") {
    out = { ...current, status: next.status };
  } else {
    out = { ...next };
    if (hasStatusSubresource(r.def)) {
      if (current.status === undefined) delete out.status;
      else out.status = current.status;
    }
    out.metadata = {
      ...next.metadata,
      uid: current.metadata.uid,
      creationTimestamp: current.metadata.creationTimestamp,
      name: current.metadata.name,
    };
    if (current.metadata.namespace !== undefined) out.metadata.namespace = current.metadata.namespace;
    for (const field of ["deletionTimestamp", "deletionGracePeriodSeconds", "generation"] as const) {
      if (current.metadata[field] === undefined) delete out.metadata[field];
      else out.metadata[field] = current.metadata[field];
    }
    if (tracksGeneration(r.def) && JSON.stringify(out.spec) !== JSON.stringify(current.spec)) {
      out.metadata.generation = (current.metadata.generation ?? 0) + 1;
    }
  }
  out.kind = r.def.kind;
  out.apiVersion = apiVersionOf(r.def);
  return out as KubeObject;
}

function store(
  r: ResourceRequest,
  current: KubeObject,
  next: KubeObject,
  expectedVersion: string | undefined,
): Reply {
  let saved: KubeObject;
  try {
    saved = r.store.update(r.def.plural, next, expectedVersion);
  } catch (e) {
    fromStoreError(r.def, current.metadata.name, e);
  }
  // An object already being deleted goes once its last finalizer is removed.
  if (
    saved.metadata.deletionTimestamp &&
    (saved.metadata.finalizers ?? []).length === 0 &&
    r.def.plural !== "pods"
  ) {
    const gone = r.store.delete(r.def.plural, saved.metadata.namespace, saved.metadata.name);
    return objectReply(r, 200, gone);
  }
  return objectReply(r, 200, saved);
}

export function updateObject(r: ResourceRequest, body: Json): Reply {
  checkTypeAndNamespace(r, body);
  const name = r.name as string;
  if (body.metadata.name !== undefined && body.metadata.name !== name) {
    throw errors.badRequest(
      `the name of the object (${body.metadata.name}) does not match the name on the URL (${name})`,
    );
  }
  const dryRun = isDryRun(r.query, "UpdateOptions");
  const { warnings } = decodeObject(r.def, body, fieldValidationOf(r.query, "UpdateOptions"));
  const current = mustGet(r, name);
  // A uid in the body is a precondition (rest.defaultUpdatedObjectInfo.Preconditions), checked with the version.
  const uid: string | undefined = body.metadata.uid || undefined;
  if (uid !== undefined && uid !== current.metadata.uid) {
    throw errors.conflict(
      r.def,
      name,
      `Precondition failed: UID in precondition: ${uid}, UID in object meta: ${current.metadata.uid}`,
    );
  }
  const expected: string | undefined = body.metadata.resourceVersion || undefined;
  if (expected !== undefined && expected !== current.metadata.resourceVersion)
    throw errors.staleUpdate(r.def, name);
  const next = prepareUpdate(r, current, body);
  const problems = updateProblems(r.def, current, next);
  if (problems.length > 0) throw errors.invalid(r.def, name, problems);
  // Dry run: the update as it would be stored, not stored (registry/generic/registry/dryrun.go GuaranteedUpdate).
  if (dryRun) return { ...objectReply(r, 200, next), warnings };
  return { ...store(r, current, next, expected), warnings };
}

/** installer.go's supportedTypes, in its order (apply-patch+cbor is behind a feature gate and not served here). */
export const PATCH_TYPES = [
  "application/json-patch+json",
  "application/merge-patch+json",
  "application/strategic-merge-patch+json",
  "application/apply-patch+yaml",
] as const;
type PatchType = (typeof PATCH_TYPES)[number];

/** patch.go maxJSONPatchOperations. */
const MAX_JSON_PATCH_OPERATIONS = 10_000;

function patchOptionsProblem(field: string, type: string, detail: string): ApiError {
  return new ApiError(
    422,
    "Invalid",
    `PatchOptions.meta.k8s.io "" is invalid: ${field}: ${type}: ${detail}`,
    {
      kind: "PatchOptions",
      group: "meta.k8s.io",
      causes: [
        {
          reason: type === "Required value" ? "FieldValueRequired" : "FieldValueForbidden",
          message: `${type}: ${detail}`,
          field,
        },
      ],
    },
  );
}

/**
 * What a patched object that does not decode is answered with (patch.go applyPatchToCurrentObject): a 422 on the
 * empty GroupKind naming the whole patched object, not the "cannot be handled" 400 of a create.
 */
function patchDecodeFailure(patched: Json) {
  return (_def: ResourceDef, why: string) =>
    new ApiError(
      422,
      "Invalid",
      ` "" is invalid: patch: Invalid value: ${JSON.stringify(JSON.stringify(patched))}: ${why}`,
      {
        causes: [
          {
            reason: "FieldValueInvalid",
            message: `Invalid value: ${JSON.stringify(JSON.stringify(patched))}: ${why}`,
            field: "patch",
          },
        ],
      },
    );
}

/**
 * Server-side apply's answer to a field the type does not have: the typed conversion fails whatever fieldValidation
 * says (apiserver/pkg/endpoints/handlers/fieldmanager: "failed to create typed patch object").
 */
function applyDecodeFailure(def: ResourceDef, why: string, unknown: string[]): ApiError {
  if (unknown.length === 0) return errors.badRequest(why);
  const gv = def.group ? `${def.group}/${def.version}` : `/${def.version}`;
  return errors.badRequest(
    `failed to create typed patch object (${gv}, Kind=${def.kind}): .${unknown[0]}: field not declared in schema`,
  );
}

export function patchObject(r: ResourceRequest, contentType: string | undefined, raw: Buffer): Reply {
  const type = (contentType ?? "").split(";")[0]?.trim().toLowerCase() as PatchType;
  if (!PATCH_TYPES.includes(type)) {
    throw errors.unsupportedMediaType(
      `the body of the request was in an unknown format - accepted media types include: ${PATCH_TYPES.join(", ")}`,
    );
  }
  const isApply = type === "application/apply-patch+yaml";
  // apimachinery pkg/apis/meta/v1/validation/validation.go ValidatePatchOptions.
  if (isApply && !r.query.get("fieldManager"))
    throw patchOptionsProblem("fieldManager", "Required value", "is required for apply patch");
  if (!isApply && r.query.has("force"))
    throw patchOptionsProblem("force", "Forbidden", "may not be specified for non-apply patch");
  const directive: FieldValidation = fieldValidationOf(r.query, "PatchOptions");
  const dryRun = isDryRun(r.query, "PatchOptions");
  const name = r.name as string;
  let patch: Json;
  try {
    patch = isApply ? parseYaml(raw.toString("utf8")) : JSON.parse(raw.toString("utf8"));
  } catch (e) {
    throw errors.badRequest(
      `${isApply ? "error decoding YAML" : "error decoding patch"}: ${(e as Error).message}`,
    );
  }
  if (
    type === "application/json-patch+json" &&
    Array.isArray(patch) &&
    patch.length > MAX_JSON_PATCH_OPERATIONS
  ) {
    throw new ApiError(
      413,
      "RequestEntityTooLarge",
      `Request entity too large: The allowed maximum operations in a JSON patch is ${MAX_JSON_PATCH_OPERATIONS}, got ${patch.length}`,
    );
  }
  const current = r.store.get(r.def.plural, r.def.namespaced ? r.namespace : undefined, name);
  if (!current && isApply) return applyCreate(r, name, patch);
  if (!current) throw errors.notFound(r.def, name);
  let patched: Json;
  try {
    if (type === "application/json-patch+json") patched = jsonPatch(current, patch);
    else if (!isObject(patch))
      throw new PatchError(400, "error decoding patch: the patch is not a JSON object");
    else if (type === "application/merge-patch+json") patched = mergePatch(current, patch);
    // Apply is modelled as a strategic merge of the applied configuration: field ownership is not (see README).
    else patched = strategicMergePatch(current, patch);
  } catch (e) {
    if (!(e instanceof PatchError)) throw e;
    if (e.code === 400) throw errors.badRequest(e.message);
    throw new ApiError(422, "Invalid", e.message, {});
  }
  if (!isObject(patched) || !isObject(patched.metadata))
    throw errors.badRequest("the patched object is not a JSON object");
  if (patched.metadata.name !== name) {
    throw errors.badRequest(
      `the name of the object (${patched.metadata.name}) does not match the name on the URL (${name})`,
    );
  }
  if (r.def.namespaced && patched.metadata.namespace !== r.namespace) {
    throw errors.badRequest(
      "the namespace of the provided object does not match the namespace sent on the request",
    );
  }
  const { warnings } = decodeObject(
    r.def,
    patched,
    isApply ? "Strict" : directive,
    isApply ? applyDecodeFailure : patchDecodeFailure(patched),
  );
  // A patch that sets metadata.resourceVersion is a precondition, as on the real server.
  const expected: string | undefined = patched.metadata.resourceVersion || undefined;
  if (expected !== undefined && expected !== current.metadata.resourceVersion)
    throw errors.staleUpdate(r.def, name);
  const next = prepareUpdate(r, current, patched);
  const problems = updateProblems(r.def, current, next);
  if (problems.length > 0) throw errors.invalid(r.def, name, problems);
  if (dryRun) return { ...objectReply(r, 200, next), warnings };
  return { ...store(r, current, next, current.metadata.resourceVersion), warnings };
}

/** Apply to an object that does not exist creates it (patch.go: the applyPatcher sets forceAllowCreate). */
function applyCreate(r: ResourceRequest, name: string, patch: Json): Reply {
  if (!isObject(patch))
    throw errors.badRequest("error decoding YAML: the applied configuration is not an object");
  const body = structuredClone(patch);
  body.metadata = { ...(isObject(body.metadata) ? body.metadata : {}), name };
  decodeObject(r.def, body, "Strict", applyDecodeFailure);
  const query = new URLSearchParams({ fieldValidation: "Ignore" });
  for (const v of r.query.getAll("dryRun")) query.append("dryRun", v);
  return createObject({ ...r, query }, body);
}

// ---- delete ----

export interface DeleteOptions {
  gracePeriodSeconds?: number;
  propagationPolicy?: string;
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: string[];
}

export function deleteOptionsFrom(query: URLSearchParams, body: Json): DeleteOptions {
  const opts: DeleteOptions = {};
  if (isObject(body)) {
    if (body.kind !== undefined && body.kind !== "DeleteOptions") {
      throw errors.badRequest(
        `DeleteOptions in version "v1" cannot be handled as a DeleteOptions: unexpected kind ${body.kind}`,
      );
    }
    if (typeof body.gracePeriodSeconds === "number") opts.gracePeriodSeconds = body.gracePeriodSeconds;
    if (typeof body.propagationPolicy === "string") opts.propagationPolicy = body.propagationPolicy;
    if (isObject(body.preconditions)) opts.preconditions = body.preconditions;
    if (Array.isArray(body.dryRun)) opts.dryRun = body.dryRun;
  }
  if (isDryRun(query, "DeleteOptions", opts.dryRun ?? [])) opts.dryRun = ["All"];
  const grace = intParam(query, "gracePeriodSeconds");
  if (grace !== undefined) opts.gracePeriodSeconds = grace;
  const policy = query.get("propagationPolicy");
  if (policy) opts.propagationPolicy = policy;
  if (opts.propagationPolicy && !["Orphan", "Background", "Foreground"].includes(opts.propagationPolicy)) {
    throw new ApiError(
      422,
      "Invalid",
      `DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Unsupported value: "${opts.propagationPolicy}": supported values: "Foreground", "Background", "Orphan", "nil"`,
      {},
    );
  }
  return opts;
}

function checkPreconditions(def: ResourceDef, obj: KubeObject, pre: DeleteOptions["preconditions"]): void {
  if (pre?.uid && pre.uid !== obj.metadata.uid) {
    throw errors.conflict(
      def,
      obj.metadata.name,
      `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${obj.metadata.uid}`,
    );
  }
  if (pre?.resourceVersion && pre.resourceVersion !== obj.metadata.resourceVersion) {
    throw errors.conflict(
      def,
      obj.metadata.name,
      `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${obj.metadata.resourceVersion}`,
    );
  }
}

/**
 * The pod strategy's grace period (CheckGracefulDelete): the request's, else the pod's, else 30s; zero for a pod that
 * never reached a node or has finished, since no kubelet needs to stop anything.
 */
function podGracePeriod(pod: Json, requested: number | undefined): number {
  if (!pod.spec?.nodeName) return 0;
  const phase = pod.status?.phase;
  if (phase === "Succeeded" || phase === "Failed") return 0;
  const grace = requested ?? pod.spec?.terminationGracePeriodSeconds ?? 30;
  return Math.max(0, grace);
}

/** Deletes one object; returns what the real server answers with (the object while it lingers, else the removal). */
function deleteOne(
  r: ResourceRequest,
  obj: KubeObject,
  opts: DeleteOptions,
): { obj: KubeObject; lingering: boolean } {
  checkPreconditions(r.def, obj, opts.preconditions);
  const { plural } = r.def;
  const ns = obj.metadata.namespace;
  const name = obj.metadata.name;
  const now = r.store.now();
  if (plural === "pods") {
    const grace = podGracePeriod(obj, opts.gracePeriodSeconds);
    const existingGrace = obj.metadata.deletionGracePeriodSeconds;
    const terminating = obj.metadata.deletionTimestamp !== undefined;
    if (grace > 0 && (!terminating || (existingGrace !== undefined && grace < existingGrace))) {
      // Graceful: mark it; the kubelet stops the containers and deletes it with grace 0.
      const marked = r.store.mutate(plural, ns, name, (draft) => {
        draft.metadata.deletionTimestamp = isoSeconds(new Date(now.getTime() + grace * 1000));
        draft.metadata.deletionGracePeriodSeconds = grace;
      });
      return { obj: marked, lingering: true };
    }
    if (grace > 0 && terminating) return { obj, lingering: true };
  }
  if ((obj.metadata.finalizers ?? []).length > 0) {
    if (obj.metadata.deletionTimestamp) return { obj, lingering: true };
    const marked = r.store.mutate(plural, ns, name, (draft) => {
      draft.metadata.deletionTimestamp = isoSeconds(now);
      draft.metadata.deletionGracePeriodSeconds = 0;
    });
    return { obj: marked, lingering: true };
  }
  if (plural === "namespaces") {
    // The namespace controller empties a namespace before it goes; the simulator does it at once.
    for (const def of RESOURCES) {
      if (!def.namespaced) continue;
      for (const child of r.store.list(def.plural, name))
        r.store.delete(def.plural, name, child.metadata.name);
    }
  }
  return { obj: r.store.delete(plural, ns, name), lingering: false };
}

/** Types whose registry returns the deleted object rather than a Status (ReturnDeletedObject). */
const RETURNS_DELETED_OBJECT = new Set(["pods", "namespaces"]);

export function deleteObject(r: ResourceRequest, opts: DeleteOptions): Reply {
  const name = r.name as string;
  const current = mustGet(r, name);
  if (opts.dryRun?.includes("All")) return objectReply(r, 200, current);
  const { obj, lingering } = deleteOne(r, current, opts);
  if (lingering || RETURNS_DELETED_OBJECT.has(r.def.plural)) return { code: 200, json: objectJson(obj) };
  const details: Record<string, string> = { name };
  if (r.def.group) details.group = r.def.group;
  details.kind = r.def.plural;
  details.uid = obj.metadata.uid;
  return { code: 200, json: JSON.stringify(successStatus(details)) };
}

export function deleteCollection(r: ResourceRequest, opts: DeleteOptions): Reply {
  const { labels, fields } = parseSelectors(r.def, r.query);
  const page = listPage(r.store, {
    def: r.def,
    namespace: r.def.namespaced ? r.namespace : undefined,
    labels,
    fields,
    limit: 0,
    continueToken: undefined,
  });
  const out: KubeObject[] = [];
  if (!opts.dryRun?.includes("All")) {
    for (const obj of page.items) {
      // Objects may disappear while we go (a namespace deletion takes its children with it).
      const still = r.store.get(r.def.plural, obj.metadata.namespace, obj.metadata.name);
      if (still) out.push(deleteOne(r, still, { ...opts, preconditions: undefined } as DeleteOptions).obj);
    }
  }
  const items = out.map(objectJson).join(",");
  return {
    code: 200,
    json: `{"kind":"${r.def.listKind}","apiVersion":"${apiVersionOf(r.def)}","metadata":{"resourceVersion":"${r.store.resourceVersion}"},"items":[${items}]}`,
  };
}
