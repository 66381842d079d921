/**
 * The three patch types kubectl and client libraries send. JSON merge patch (RFC 7386) and JSON patch (RFC 6902)
 * are complete. Strategic merge patch is approximated: lists whose Kubernetes patch strategy is "merge" are merged by
 * their merge key, chosen by field name (containers by name, conditions by type, ...) rather than from the OpenAPI
 * schema, and the `$patch: delete|replace` directives are honoured; `$setElementOrder` and `$retainKeys` are ignored.
 */

// biome-ignore lint/suspicious/noExplicitAny: patches are arbitrary JSON
type Json = any;

export class PatchError extends Error {
  override name = "PatchError";
  /** 400 for a malformed patch, 422 for one that does not apply. */
  readonly code: 400 | 422;
  constructor(code: 400 | 422, message: string) {
    super(message);
    this.code = code;
  }
}

function isObject(v: unknown): v is Record<string, Json> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export function mergePatch(target: Json, patch: Json): Json {
  if (!isObject(patch)) return structuredClone(patch);
  const out: Record<string, Json> = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

// ---- JSON patch ----

function parsePointer(pointer: string): string[] {
  if (pointer === "") return [];
  if (!pointer.startsWith("/")) throw new PatchError(422, `invalid JSON pointer: ${pointer}`);
  return pointer
    .slice(1)
    .split("/")
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
}

function parentOf(doc: Json, path: string[], op: string, pointer: string): { parent: Json; key: string } {
  let cur = doc;
  for (const seg of path.slice(0, -1)) {
    cur = Array.isArray(cur) ? cur[Number(seg)] : isObject(cur) ? cur[seg] : undefined;
    if (cur === undefined)
      throw new PatchError(
        422,
        `${op} operation does not apply: doc is missing path: "${pointer}": missing value`,
      );
  }
  return { parent: cur, key: path[path.length - 1] as string };
}

function getAt(doc: Json, pointer: string, op: string): Json {
  let cur = doc;
  for (const seg of parsePointer(pointer)) {
    cur = Array.isArray(cur) ? cur[Number(seg)] : isObject(cur) ? cur[seg] : undefined;
    if (cur === undefined)
      throw new PatchError(
        422,
        `${op} operation does not apply: doc is missing path: "${pointer}": missing value`,
      );
  }
  return cur;
}

function removeAt(doc: Json, pointer: string, op: string): Json {
  const path = parsePointer(pointer);
  const { parent, key } = parentOf(doc, path, op, pointer);
  if (Array.isArray(parent)) {
    const i = Number(key);
    if (!Number.isInteger(i) || i < 0 || i >= parent.length)
      throw new PatchError(
        422,
        `${op} operation does not apply: doc is missing path: "${pointer}": missing value`,
      );
    return parent.splice(i, 1)[0];
  }
  if (!isObject(parent) || !Object.hasOwn(parent, key)) {
    throw new PatchError(
      422,
      `${op} operation does not apply: doc is missing path: "${pointer}": missing value`,
    );
  }
  const v = parent[key];
  delete parent[key];
  return v;
}

function addAt(doc: Json, pointer: string, value: Json, op: string, replace: boolean): Json {
  const path = parsePointer(pointer);
  if (path.length === 0) return value;
  const { parent, key } = parentOf(doc, path, op, pointer);
  if (Array.isArray(parent)) {
    const i = key === "-" ? parent.length : Number(key);
    if (!Number.isInteger(i) || i < 0 || i > parent.length || (replace && i >= parent.length)) {
      throw new PatchError(
        422,
        `${op} operation does not apply: doc is missing path: "${pointer}": missing value`,
      );
    }
    if (replace) parent[i] = value;
    else parent.splice(i, 0, value);
  } else if (isObject(parent)) {
    if (replace && !Object.hasOwn(parent, key)) {
      throw new PatchError(
        422,
        `${op} operation does not apply: doc is missing key: ${pointer}: missing value`,
      );
    }
    parent[key] = value;
  } else {
    throw new PatchError(
      422,
      `${op} operation does not apply: doc is missing path: "${pointer}": missing value`,
    );
  }
  return doc;
}

export function jsonPatch(target: Json, ops: Json): Json {
  if (!Array.isArray(ops))
    throw new PatchError(400, "json: cannot unmarshal object into Go value of type jsonpatch.Patch");
  let doc = structuredClone(target);
  for (const o of ops) {
    if (!isObject(o) || typeof o.op !== "string") throw new PatchError(400, "Unexpected kind: <nil>");
    const path = String(o.path ?? "");
    switch (o.op) {
      case "add":
        doc = addAt(doc, path, structuredClone(o.value), "add", false);
        break;
      case "remove":
        removeAt(doc, path, "remove");
        break;
      case "replace":
        doc = addAt(doc, path, structuredClone(o.value), "replace", true);
        break;
      case "move": {
        const v = removeAt(doc, String(o.from), "move");
        doc = addAt(doc, path, v, "move", false);
        break;
      }
      case "copy":
        doc = addAt(doc, path, structuredClone(getAt(doc, String(o.from), "copy")), "copy", false);
        break;
      case "test":
        if (JSON.stringify(getAt(doc, path, "test")) !== JSON.stringify(o.value)) {
          throw new PatchError(422, `testing value ${path} failed: test failed`);
        }
        break;
      default:
        throw new PatchError(400, `Unexpected kind: ${o.op}`);
    }
  }
  return doc;
}

// ---- strategic merge patch (approximation) ----

/** Merge keys of the core/apps list fields whose patch strategy is "merge". */
const MERGE_KEYS: Record<string, string> = {
  containers: "name",
  initContainers: "name",
  ephemeralContainers: "name",
  env: "name",
  volumes: "name",
  volumeMounts: "mountPath",
  volumeDevices: "devicePath",
  ports: "containerPort",
  conditions: "type",
  ownerReferences: "uid",
  imagePullSecrets: "name",
  addresses: "type",
  hostAliases: "ip",
  topologySpreadConstraints: "topologyKey",
  resourceClaims: "name",
};
/** Primitive lists with strategy "merge": union of values. */
const MERGED_PRIMITIVE_LISTS = new Set(["finalizers"]);

export function strategicMergePatch(target: Json, patch: Json): Json {
  return smpObject(isObject(target) ? target : {}, patch);
}

function smpObject(target: Record<string, Json>, patch: Json): Json {
  if (!isObject(patch)) return structuredClone(patch);
  if (patch.$patch === "replace") {
    const { $patch: _, ...rest } = patch;
    return structuredClone(rest);
  }
  if (patch.$patch === "delete") return undefined;
  const out: Record<string, Json> = { ...target };
  for (const [k, v] of Object.entries(patch)) {
    if (k === "$patch" || k === "$retainKeys" || k.startsWith("$setElementOrder/")) continue;
    if (k.startsWith("$deleteFromPrimitiveList/")) {
      const field = k.slice("$deleteFromPrimitiveList/".length);
      if (Array.isArray(out[field]) && Array.isArray(v))
        out[field] = out[field].filter((x: Json) => !v.includes(x));
      continue;
    }
    if (v === null) {
      delete out[k];
    } else if (Array.isArray(v)) {
      out[k] = smpList(k, out[k], v);
    } else if (isObject(v)) {
      const merged = smpObject(isObject(out[k]) ? out[k] : {}, v);
      if (merged === undefined) delete out[k];
      else out[k] = merged;
    } else {
      out[k] = v;
    }
  }
  return out;
}

function smpList(field: string, current: Json, patch: Json[]): Json[] {
  const key = MERGE_KEYS[field];
  if (MERGED_PRIMITIVE_LISTS.has(field) && Array.isArray(current)) {
    const out = [...current];
    for (const v of patch) if (!out.includes(v)) out.push(v);
    return out;
  }
  if (!key || !Array.isArray(current) || !patch.every(isObject)) {
    return patch.filter((p) => !(isObject(p) && p.$patch === "delete")).map((p) => structuredClone(p));
  }
  if (patch.some((p) => p.$patch === "replace")) {
    return patch.filter((p) => p.$patch !== "replace").map((p) => structuredClone(p));
  }
  const out: Json[] = current.map((c) => c);
  for (const p of patch) {
    const idx = out.findIndex((c) => isObject(c) && c[key] === p[key]);
    if (p.$patch === "delete") {
      if (idx >= 0) out.splice(idx, 1);
      continue;
    }
    if (idx >= 0) out[idx] = smpObject(out[idx], p);
    else out.push(smpObject({}, p));
  }
  return out;
}
