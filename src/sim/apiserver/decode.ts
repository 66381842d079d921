/**
 * Decoding a request body into the resource's Go type, as kube-apiserver does before anything else looks at it:
 * - a timestamp that is not what metav1.Time / metav1.MicroTime accept fails the request (go-time.ts);
 * - a JSON value of the wrong type fails it with encoding/json's UnmarshalTypeError text;
 * - an unknown field is reported according to the request's `fieldValidation` (Strict: 400, Warn: a `Warning`
 *   header, Ignore: nothing; "" means Warn) and, as on the real server, is not stored.
 * Sources: kubernetes/kubernetes staging/src/k8s.io/apiserver/pkg/endpoints/handlers/create.go and update.go
 * (decode, transformDecodeError, addStrictDecodingWarnings), rest.go (fieldValidation defaulting to Warn),
 * kubernetes/apimachinery pkg/runtime/error.go (strictDecodingError), Go's encoding/json decode.go (UnmarshalTypeError).
 *
 * Which fields exist comes from the Kubernetes OpenAPI models as @kubernetes/client-node generates them (its
 * `getAttributeTypeMap()` tables): the same upstream spec the real server's schema is built from. Only those tables are
 * used here, never the client. A field newer than that spec would be called unknown: stricter, never looser.
 */
import * as models from "@kubernetes/client-node";
import type { ResourceDef } from "../resources.ts";
import { parseGoTime, RFC3339, RFC3339_MICRO } from "./go-time.ts";
import { ApiError, errors } from "./status.ts";

interface Attribute {
  baseName: string;
  type: string;
  format: string;
}
interface Model {
  getAttributeTypeMap(): Attribute[];
}

const MODELS = models as unknown as Record<string, Model | undefined>;

export type FieldValidation = "Ignore" | "Warn" | "Strict";

/** The `fieldValidation` query parameter; anything else is a 422 on the request's options. */
export function fieldValidationOf(query: URLSearchParams, optionsKind: string): FieldValidation {
  const raw = query.get("fieldValidation") ?? "";
  if (raw === "") return "Warn";
  if (raw === "Ignore" || raw === "Warn" || raw === "Strict") return raw;
  // apimachinery pkg/apis/meta/v1/validation/validation.go ValidateFieldValidation: sets.NewString(...).List() is sorted.
  throw new ApiError(
    422,
    "Invalid",
    `${optionsKind}.meta.k8s.io "" is invalid: fieldValidation: Unsupported value: "${raw}": supported values: "", "Ignore", "Strict", "Warn"`,
    {
      kind: optionsKind,
      group: "meta.k8s.io",
      causes: [
        {
          reason: "FieldValueNotSupported",
          message: `Unsupported value: "${raw}": supported values: "", "Ignore", "Strict", "Warn"`,
          field: "fieldValidation",
        },
      ],
    },
  );
}

/** The generated model for a resource, e.g. V1Lease, CoreV1Event, EventsV1Event, V1EndpointSlice. */
function modelNameFor(def: ResourceDef): string | undefined {
  const version = def.version.charAt(0).toUpperCase() + def.version.slice(1);
  const groupWord = def.group.split(".")[0] ?? "";
  const groupPrefix = groupWord.charAt(0).toUpperCase() + groupWord.slice(1);
  const candidates =
    def.group === ""
      ? [`Core${version}${def.kind}`, `${version}${def.kind}`]
      : [`${groupPrefix}${version}${def.kind}`, `${version}${def.kind}`];
  return candidates.find((name) => typeof MODELS[name]?.getAttributeTypeMap === "function");
}

export interface Decoded {
  /** Texts for `Warning: 299 - "..."` headers (unknown fields under fieldValidation=Warn). */
  warnings: string[];
}

/** Thrown inside the walk: the decode error text, before the handler wraps it. */
class DecodeFailure extends Error {}

/**
 * Decodes `body` (already parsed JSON) as the resource's type, removing unknown fields as the real server does.
 * Throws what the server would answer; returns the warnings to send. Types the simulator has no model for are
 * passed through unchecked (the README says which).
 */
export function decodeObject(
  def: ResourceDef,
  body: Record<string, unknown>,
  directive: FieldValidation,
  fail: DecodeFailureReply = cannotBeHandled,
): Decoded {
  const modelName = modelNameFor(def);
  if (!modelName) return { warnings: [] };
  const unknown: string[] = [];
  try {
    walkModel(body, modelName, "", def.kind, unknown);
  } catch (e) {
    if (e instanceof DecodeFailure) throw fail(def, e.message, []);
    throw e;
  }
  const messages = unknown.map((path) => `unknown field "${path}"`);
  if (messages.length > 0 && directive === "Strict")
    throw fail(def, `strict decoding error: ${messages.join(", ")}`, unknown);
  return { warnings: directive === "Warn" ? messages : [] };
}

/** Builds the server's answer to a body that failed to decode: `why` is the decoder's text. */
export type DecodeFailureReply = (def: ResourceDef, why: string, unknownFields: string[]) => ApiError;

/** transformDecodeError (create.go, update.go): the kind and version are known, so this form, the version quoted. */
export const cannotBeHandled: DecodeFailureReply = (def, why) =>
  errors.badRequest(`${def.kind} in version "${def.version}" cannot be handled as a ${def.kind}: ${why}`);

/** UnmarshalTypeError.Value: the JSON kind, with the literal for a number that does not fit an integer. */
function jsonKind(v: unknown, integerTarget = false): string {
  if (Array.isArray(v)) return "array";
  if (typeof v === "boolean") return "bool";
  if (typeof v === "number") return integerTarget ? `number ${v}` : "number";
  return typeof v;
}

/** Go's reflect.Type.String() for a generated model type: V1LeaseSpec → v1.LeaseSpec. */
function goTypeName(type: string, format: string): string {
  if (type.startsWith("Array<")) return `[]${goTypeName(type.slice(6, -1), format)}`;
  if (type.startsWith("{ [key: string]: ")) return `map[string]${goTypeName(type.slice(17, -3), format)}`;
  if (type === "string") return format === "byte" ? "[]uint8" : "string";
  if (type === "boolean") return "bool";
  if (type === "number") return format === "double" ? "float64" : format || "float64";
  if (type === "IntOrString") return "intstr.IntOrString";
  if (type === "any") return "interface {}";
  if (type === "Date") return "v1.Time";
  if (type === "V1MicroTime") return "v1.MicroTime";
  const m = /^(?:[A-Z][a-z]+)?(V\d+(?:alpha\d+|beta\d+)?)(.+)$/.exec(type);
  return m ? `${(m[1] ?? "").toLowerCase()}.${m[2]}` : type;
}

function typeError(value: unknown, struct: string, field: string, goType: string): DecodeFailure {
  const integerTarget = typeof value === "number" && /^u?int/.test(goType);
  return new DecodeFailure(
    `json: cannot unmarshal ${jsonKind(value, integerTarget)} into Go struct field ${struct}.${field} of type ${goType}`,
  );
}

/**
 * Map values and scalars that are resource.Quantity on the real types: the generated models call them strings, but
 * the real decoder takes a JSON number too (`cpu: 1`).
 */
const QUANTITY_FIELDS = new Set([
  "limits",
  "requests",
  "capacity",
  "allocatable",
  "hard",
  "used",
  "overhead",
  "sizeLimit",
]);

function walkModel(
  value: Record<string, unknown>,
  modelName: string,
  path: string,
  struct: string,
  unknown: string[],
) {
  const model = MODELS[modelName];
  if (!model) return;
  const attributes = new Map(model.getAttributeTypeMap().map((a) => [a.baseName, a]));
  const structName = goTypeName(modelName, "").replace(/^v\d+(?:alpha\d+|beta\d+)?\./, "");
  for (const key of Object.keys(value)) {
    const fieldPath = path ? `${path}.${key}` : key;
    const attribute = attributes.get(key);
    if (!attribute) {
      unknown.push(fieldPath);
      // Unknown fields are dropped, not stored (the typed object has nowhere to keep them).
      delete value[key];
      continue;
    }
    walkValue(value[key], attribute.type, attribute.format, fieldPath, structName || struct, key, unknown);
  }
}

function walkValue(
  value: unknown,
  type: string,
  format: string,
  path: string,
  struct: string,
  name: string,
  unknown: string[],
): void {
  if (value === null || value === undefined || type === "any") return;
  const goType = goTypeName(type, format);
  // Error paths name struct fields only (encoding/json's Field), never array indices or map keys.
  const fieldPath = path.replace(/\[[^\]]*\]/g, "");
  if (type.startsWith("Array<")) {
    if (!Array.isArray(value)) throw typeError(value, struct, fieldPath, goType);
    const item = type.slice(6, -1);
    value.forEach((v, i) => {
      walkValue(v, item, format, `${path}[${i}]`, struct, name, unknown);
    });
    return;
  }
  if (type.startsWith("{ [key: string]: ")) {
    if (typeof value !== "object" || Array.isArray(value)) throw typeError(value, struct, fieldPath, goType);
    const item = type.slice(17, -3);
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (item === "string" && typeof v === "number" && QUANTITY_FIELDS.has(name)) continue;
      walkValue(v, item, format, `${path}[${k}]`, struct, name, unknown);
    }
    return;
  }
  switch (type) {
    case "string":
      if (typeof value === "number" && QUANTITY_FIELDS.has(name)) return;
      if (typeof value !== "string") throw typeError(value, struct, fieldPath, goType);
      return;
    case "boolean":
      if (typeof value !== "boolean") throw typeError(value, struct, fieldPath, goType);
      return;
    case "number":
      if (typeof value !== "number") throw typeError(value, struct, fieldPath, goType);
      if (format !== "double" && !Number.isInteger(value)) throw typeError(value, struct, fieldPath, goType);
      return;
    case "IntOrString":
      if (typeof value !== "string" && !(typeof value === "number" && Number.isInteger(value)))
        throw typeError(value, struct, fieldPath, goType);
      return;
    case "Date":
    case "V1MicroTime": {
      // metav1.Time/MicroTime.UnmarshalJSON first decodes a Go string; anything else fails there.
      if (typeof value !== "string")
        throw new DecodeFailure(`json: cannot unmarshal ${jsonKind(value)} into Go value of type string`);
      const parsed = parseGoTime(type === "Date" ? RFC3339 : RFC3339_MICRO, value);
      if (!parsed.ok) throw new DecodeFailure(parsed.error);
      return;
    }
    default:
      if (typeof value !== "object" || Array.isArray(value))
        throw typeError(value, struct, fieldPath, goType);
      walkModel(value as Record<string, unknown>, type, path, struct, unknown);
  }
}
