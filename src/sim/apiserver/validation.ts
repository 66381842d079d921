/**
 * The validation kube-apiserver applies to an object after decoding it, with the real messages (422 Invalid):
 * object names per kind, generateName, labels, annotations, and the fields an update may not change.
 * Sources: kubernetes/apimachinery pkg/api/validation/objectmeta.go (ValidateObjectMetaAccessor, ValidateAnnotations),
 * generic.go (NameIsDNSSubdomain/Label/1035Label, maskTrailingDash), pkg/api/validate/content/{dns,kube,path}.go
 * (the regexes and texts), pkg/apis/meta/v1/validation/validation.go (ValidateLabels); kubernetes/kubernetes
 * pkg/apis/core/validation/validation.go (ValidateServiceName, ValidateConfigMapUpdate, ValidatePodUpdate),
 * pkg/apis/core/validation/events.go (legacyValidateEvent), pkg/apis/rbac/validation (ValidateRBACName).
 */
import type { KubeObject } from "../objects.ts";
import type { ResourceDef } from "../resources.ts";
import { type ApiError, errors } from "./status.ts";

export interface FieldProblem {
  field: string;
  type: "Invalid value" | "Required value" | "Forbidden" | "Too long";
  detail: string;
}

const DNS1123_LABEL_FMT = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
const DNS1123_SUBDOMAIN_FMT = `${DNS1123_LABEL_FMT}(\\.${DNS1123_LABEL_FMT})*`;
const DNS1035_LABEL_FMT = "[a-z]([-a-z0-9]*[a-z0-9])?";
const LABEL_KEY_FMT = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
const LABEL_VALUE_FMT = `(${LABEL_KEY_FMT})?`;

const full = (fmt: string) => new RegExp(`^${fmt}$`);
const DNS1123_LABEL = full(DNS1123_LABEL_FMT);
const DNS1123_SUBDOMAIN = full(DNS1123_SUBDOMAIN_FMT);
const DNS1035_LABEL = full(DNS1035_LABEL_FMT);
const LABEL_KEY = full(LABEL_KEY_FMT);
const LABEL_VALUE = full(LABEL_VALUE_FMT);

/** content.RegexError: the message, examples and the regex. */
function regexError(msg: string, re: string, ...examples: string[]): string {
  return `${msg} (e.g. ${examples.map((e) => `'${e}', `).join("or ")}regex used for validation is '${re}')`;
}
const maxLen = (n: number) => `must be no more than ${n} bytes`;

export function isDNS1123Subdomain(value: string): string[] {
  const out: string[] = [];
  if (value.length > 253) out.push(maxLen(253));
  if (!DNS1123_SUBDOMAIN.test(value))
    out.push(
      regexError(
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character",
        DNS1123_SUBDOMAIN_FMT,
        "example.com",
      ),
    );
  return out;
}

function isDNS1123Label(value: string): string[] {
  const out: string[] = [];
  if (value.length > 63) out.push(maxLen(63));
  if (!DNS1123_LABEL.test(value)) {
    out.push(
      DNS1123_SUBDOMAIN.test(value)
        ? "must not contain dots"
        : regexError(
            "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character",
            DNS1123_LABEL_FMT,
            "my-name",
            "123-abc",
          ),
    );
  }
  return out;
}

function isDNS1035Label(value: string): string[] {
  const out: string[] = [];
  if (value.length > 63) out.push(maxLen(63));
  if (!DNS1035_LABEL.test(value))
    out.push(
      regexError(
        "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character",
        DNS1035_LABEL_FMT,
        "my-name",
        "abc-123",
      ),
    );
  return out;
}

/** content.IsPathSegmentName, what RBAC object names must be (rbac validation ValidateRBACName). */
function isPathSegmentName(value: string): string[] {
  if (value === "." || value === "..") return [`may not be '${value}'`];
  return ["/", "%"].filter((c) => value.includes(c)).map((c) => `may not contain '${c}'`);
}

/**
 * generic.go maskTrailingDash, exactly as upstream writes it: a generateName may end in "-" because a suffix follows;
 * note it drops the last two characters and appends "a".
 */
function maskTrailingDash(name: string): string {
  return name.length > 1 && name.endsWith("-") ? `${name.slice(0, -2)}a` : name;
}

type NameRule = (name: string) => string[];

/** Which rule each kind's strategy validates names with; everything not listed is a DNS-1123 subdomain. */
const NAME_RULES: Record<string, NameRule> = {
  namespaces: isDNS1123Label,
  services: isDNS1035Label,
  roles: isPathSegmentName,
  clusterroles: isPathSegmentName,
  rolebindings: isPathSegmentName,
  clusterrolebindings: isPathSegmentName,
};

function nameRule(def: ResourceDef): NameRule {
  return NAME_RULES[def.plural] ?? isDNS1123Subdomain;
}

/** The real generator (apiserver/pkg/storage/names): the base cut to 58 characters, then 5 random ones. */
export const MAX_GENERATE_NAME_BASE = 63 - 5;

export function nameProblem(def: ResourceDef, name: string): ApiError | undefined {
  const problems = nameRule(def)(name).map(
    (msg): FieldProblem => ({
      field: "metadata.name",
      type: "Invalid value",
      detail: `${JSON.stringify(name)}: ${msg}`,
    }),
  );
  return problems.length > 0 ? errors.invalid(def, name, problems) : undefined;
}

/** content.IsLabelKey (IsQualifiedName). */
export function labelKeyProblems(key: string): string[] {
  const out: string[] = [];
  const parts = key.split("/");
  let name: string;
  if (parts.length === 1) name = parts[0] ?? "";
  else if (parts.length === 2) {
    const prefix = parts[0] ?? "";
    name = parts[1] ?? "";
    if (prefix.length === 0) out.push("prefix part must be non-empty");
    else out.push(...isDNS1123Subdomain(prefix).map((m) => `prefix part ${m}`));
  } else {
    return [
      `a valid label key ${regexError("must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character", LABEL_KEY_FMT, "MyName", "my.name", "123-abc")} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
    ];
  }
  if (name.length === 0) out.push("name part must be non-empty");
  else if (name.length > 63) out.push(`name part ${maxLen(63)}`);
  if (!LABEL_KEY.test(name))
    out.push(
      `name part ${regexError("must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character", LABEL_KEY_FMT, "MyName", "my.name", "123-abc")}`,
    );
  return out;
}

function labelValueProblems(value: string): string[] {
  const out: string[] = [];
  if (value.length > 63) out.push(maxLen(63));
  if (!LABEL_VALUE.test(value))
    out.push(
      regexError(
        "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
        LABEL_VALUE_FMT,
        "MyValue",
        "my_value",
        "12345",
      ),
    );
  return out;
}

/** objectmeta.go TotalAnnotationSizeLimitB: keys and values together. */
export const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;

// biome-ignore lint/suspicious/noExplicitAny: object metadata is JSON until checked
type Json = any;

const invalid = (field: string, value: string, msg: string): FieldProblem => ({
  field,
  type: "Invalid value",
  detail: `${JSON.stringify(value)}: ${msg}`,
});

/** ValidateObjectMetaAccessor's checks on labels and annotations (name and generateName are checked at create). */
function labelAndAnnotationProblems(meta: Json): FieldProblem[] {
  const out: FieldProblem[] = [];
  for (const [k, v] of Object.entries<string>(meta.labels ?? {})) {
    for (const msg of labelKeyProblems(k)) out.push(invalid("metadata.labels", k, msg));
    for (const msg of labelValueProblems(String(v))) out.push(invalid("metadata.labels", String(v), msg));
  }
  let size = 0;
  for (const [k, v] of Object.entries<string>(meta.annotations ?? {})) {
    // "The rule is QualifiedName except that case doesn't matter."
    for (const msg of labelKeyProblems(k.toLowerCase())) out.push(invalid("metadata.annotations", k, msg));
    size += Buffer.byteLength(k) + Buffer.byteLength(String(v));
  }
  if (size > TOTAL_ANNOTATION_SIZE_LIMIT)
    out.push({
      field: "metadata.annotations",
      type: "Too long",
      detail: `may not be more than ${TOTAL_ANNOTATION_SIZE_LIMIT} bytes`,
    });
  return out;
}

/**
 * core/v1 Events skip object-meta validation altogether ("No further validation for backwards compatibility"):
 * only legacyValidateEvent runs (events.go).
 */
function legacyEventProblems(obj: Json): FieldProblem[] {
  const out: FieldProblem[] = [];
  const ns = obj.metadata?.namespace ?? "";
  const involvedNs = obj.involvedObject?.namespace ?? "";
  const hasEventTime = typeof obj.eventTime === "string" && obj.eventTime !== "";
  const mismatch = hasEventTime
    ? involvedNs === "" && ns !== "default" && ns !== "kube-system"
    : involvedNs === ""
      ? ns !== "" && ns !== "default"
      : ns !== involvedNs;
  if (mismatch) out.push(invalid("involvedObject.namespace", involvedNs, "does not match event.namespace"));
  if (hasEventTime) {
    for (const [field, limit] of [
      ["reportingController", 0],
      ["reportingInstance", 128],
      ["action", 128],
      ["reason", 128],
    ] as const) {
      // The v1 field name of reportingController is reportingComponent.
      const value: string = obj[field === "reportingController" ? "reportingComponent" : field] ?? "";
      if (value.length === 0) out.push({ field, type: "Required value", detail: "" });
      if (limit > 0 && value.length > limit)
        out.push({ field, type: "Invalid value", detail: `"": can have at most ${limit} characters` });
    }
  }
  return out;
}

/** What a create must pass after decoding; `generatedName` is the name the server made from generateName, if any. */
export function createProblems(def: ResourceDef, obj: Json): FieldProblem[] {
  if (def.plural === "events" && def.group === "") return legacyEventProblems(obj);
  const meta = obj.metadata ?? {};
  const out: FieldProblem[] = [];
  const rule = nameRule(def);
  if (meta.generateName) {
    for (const msg of rule(maskTrailingDash(meta.generateName)))
      out.push(invalid("metadata.generateName", meta.generateName, msg));
  }
  if (!meta.name)
    out.push({ field: "metadata.name", type: "Required value", detail: "name or generateName is required" });
  else for (const msg of rule(meta.name)) out.push(invalid("metadata.name", meta.name, msg));
  out.push(...labelAndAnnotationProblems(meta));
  return out;
}

const UPDATABLE_POD_SPEC_FIELDS = [
  "`spec.containers[*].image`",
  "`spec.initContainers[*].image`",
  "`spec.activeDeadlineSeconds`",
  "`spec.tolerations` (only additions to existing tolerations)",
  "`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)",
];

/** ValidatePodUpdate's spec rule: everything but the updatable fields must stay as it is. */
function podSpecProblems(oldSpec: Json, newSpec: Json): FieldProblem[] {
  const munged = structuredClone(newSpec ?? {});
  const old = oldSpec ?? {};
  for (const key of ["containers", "initContainers"] as const) {
    (munged[key] ?? []).forEach((c: Json, i: number) => {
      const before = old[key]?.[i];
      if (before) c.image = before.image;
    });
  }
  munged.activeDeadlineSeconds = old.activeDeadlineSeconds;
  munged.terminationGracePeriodSeconds = old.terminationGracePeriodSeconds;
  // Tolerations may only be added: the old ones must all still be there, in order.
  const oldTolerations: Json[] = old.tolerations ?? [];
  const newTolerations: Json[] = munged.tolerations ?? [];
  const keepsOld = oldTolerations.every((t, i) => JSON.stringify(t) === JSON.stringify(newTolerations[i]));
  if (keepsOld) munged.tolerations = old.tolerations;
  if (stableJson(munged) === stableJson(old)) return [];
  return [
    {
      field: "spec",
      type: "Forbidden",
      detail: `pod updates may not change fields other than ${UPDATABLE_POD_SPEC_FIELDS.join(",")}`,
    },
  ];
}

function stableJson(v: unknown): string {
  return JSON.stringify(v, (_k, value) =>
    value && typeof value === "object" && !Array.isArray(value)
      ? Object.fromEntries(
          Object.entries(value)
            .filter(([, x]) => x !== undefined)
            .sort(([a], [b]) => (a < b ? -1 : 1)),
        )
      : value,
  );
}

const IMMUTABLE_SET = "field is immutable when `immutable` is set";

/** What an update (PUT or the result of a PATCH) must pass, beyond what the store keeps from the old object. */
export function updateProblems(def: ResourceDef, current: KubeObject, next: Json): FieldProblem[] {
  if (def.plural === "events" && def.group === "") return legacyEventProblems(next);
  const out = labelAndAnnotationProblems(next.metadata ?? {});
  if ((def.plural === "configmaps" || def.plural === "secrets") && current.immutable === true) {
    if (next.immutable !== true) out.push({ field: "immutable", type: "Forbidden", detail: IMMUTABLE_SET });
    for (const field of def.plural === "configmaps" ? ["data", "binaryData"] : ["data"]) {
      if (stableJson(next[field] ?? {}) !== stableJson(current[field] ?? {}))
        out.push({ field, type: "Forbidden", detail: IMMUTABLE_SET });
    }
  }
  if (def.plural === "pods") out.push(...podSpecProblems(current.spec, next.spec));
  return out;
}
