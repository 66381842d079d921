/**
 * Decoding `application/vnd.kubernetes.protobuf` request bodies, for the one object clients send that way here:
 * a Pod (kubectl's typed clients create pods in protobuf, e.g. `kubectl debug node/NAME`). The envelope is
 * apimachinery's (pkg/runtime/serializer/protobuf/protobuf.go): the magic `k8s\0`, then a runtime.Unknown whose
 * `raw` is the object's message. Field numbers are those of k8s.io/api core/v1/generated.proto and apimachinery
 * meta/v1/generated.proto, for the fields listed below.
 *
 * Go's generated marshalling writes every non-pointer field, zero or not, so a field this table does not know is
 * skipped when its value is zero (JSON would have omitted it) and refused otherwise: the simulator never drops a
 * value it was sent. Zero values are left out of the result, as JSON's omitempty leaves them out.
 */
import { errors } from "./status.ts";

type FieldKind = "string" | "bool" | "int" | "bytes" | { message: string } | { map: "string" };
interface Field {
  name: string;
  kind: FieldKind;
  repeated?: boolean;
}
type Schema = Record<number, Field>;

const s = (name: string, repeated = false): Field => ({ name, kind: "string", repeated });
const b = (name: string): Field => ({ name, kind: "bool" });
const i = (name: string, repeated = false): Field => ({ name, kind: "int", repeated });
const m = (name: string, message: string, repeated = false): Field => ({ name, kind: { message }, repeated });
const map = (name: string): Field => ({ name, kind: { map: "string" } });

const SCHEMAS: Record<string, Schema> = {
  Unknown: {
    1: m("typeMeta", "RuntimeTypeMeta"),
    2: { name: "raw", kind: "bytes" },
    3: s("contentEncoding"),
    4: s("contentType"),
  },
  RuntimeTypeMeta: { 1: s("apiVersion"), 2: s("kind") },
  Time: { 1: i("seconds"), 2: i("nanos") },
  Pod: { 1: m("metadata", "ObjectMeta"), 2: m("spec", "PodSpec"), 3: m("status", "PodStatus") },
  ObjectMeta: {
    1: s("name"),
    2: s("generateName"),
    3: s("namespace"),
    5: s("uid"),
    6: s("resourceVersion"),
    7: i("generation"),
    8: m("creationTimestamp", "Time"),
    11: map("labels"),
    12: map("annotations"),
    13: m("ownerReferences", "OwnerReference", true),
    14: s("finalizers", true),
  },
  OwnerReference: {
    1: s("kind"),
    3: s("name"),
    4: s("uid"),
    5: s("apiVersion"),
    6: b("controller"),
    7: b("blockOwnerDeletion"),
  },
  PodSpec: {
    1: m("volumes", "Volume", true),
    2: m("containers", "Container", true),
    3: s("restartPolicy"),
    4: i("terminationGracePeriodSeconds"),
    5: i("activeDeadlineSeconds"),
    6: s("dnsPolicy"),
    7: map("nodeSelector"),
    8: s("serviceAccountName"),
    9: s("serviceAccount"),
    10: s("nodeName"),
    11: b("hostNetwork"),
    12: b("hostPID"),
    13: b("hostIPC"),
    14: m("securityContext", "PodSecurityContext"),
    16: s("hostname"),
    17: s("subdomain"),
    19: s("schedulerName"),
    20: m("initContainers", "Container", true),
    21: b("automountServiceAccountToken"),
    22: m("tolerations", "Toleration", true),
    24: s("priorityClassName"),
    25: i("priority"),
    30: b("enableServiceLinks"),
    31: s("preemptionPolicy"),
  },
  PodStatus: {},
  Container: {
    1: s("name"),
    2: s("image"),
    3: s("command", true),
    4: s("args", true),
    5: s("workingDir"),
    6: m("ports", "ContainerPort", true),
    7: m("env", "EnvVar", true),
    9: m("volumeMounts", "VolumeMount", true),
    13: s("terminationMessagePath"),
    14: s("imagePullPolicy"),
    15: m("securityContext", "SecurityContext"),
    16: b("stdin"),
    17: b("stdinOnce"),
    18: b("tty"),
    20: s("terminationMessagePolicy"),
  },
  ContainerPort: { 1: s("name"), 2: i("hostPort"), 3: i("containerPort"), 4: s("protocol"), 5: s("hostIP") },
  EnvVar: { 1: s("name"), 2: s("value") },
  VolumeMount: {
    1: s("name"),
    2: b("readOnly"),
    3: s("mountPath"),
    4: s("subPath"),
    5: s("mountPropagation"),
  },
  Volume: { 1: s("name"), 2: m("volumeSource", "VolumeSource") },
  VolumeSource: { 1: m("hostPath", "HostPathVolumeSource"), 2: m("emptyDir", "EmptyDirVolumeSource") },
  HostPathVolumeSource: { 1: s("path"), 2: s("type") },
  EmptyDirVolumeSource: { 1: s("medium") },
  Toleration: { 1: s("key"), 2: s("operator"), 3: s("value"), 4: s("effect"), 5: i("tolerationSeconds") },
  SecurityContext: {
    1: m("capabilities", "Capabilities"),
    2: b("privileged"),
    4: i("runAsUser"),
    5: b("runAsNonRoot"),
    6: b("readOnlyRootFilesystem"),
    7: b("allowPrivilegeEscalation"),
    8: i("runAsGroup"),
    11: m("seccompProfile", "SeccompProfile"),
  },
  PodSecurityContext: {
    2: i("runAsUser"),
    3: b("runAsNonRoot"),
    6: i("runAsGroup"),
    10: m("seccompProfile", "SeccompProfile"),
  },
  Capabilities: { 1: s("add", true), 2: s("drop", true) },
  SeccompProfile: { 1: s("type"), 2: s("localhostProfile") },
};

const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

/** Decodes a protobuf Pod body to the JSON object the rest of the server handles. */
export function decodeProtobufPod(raw: Buffer): Record<string, unknown> {
  if (raw.length < 4 || !raw.subarray(0, 4).equals(MAGIC))
    throw errors.badRequest(
      "provided data does not appear to be a protobuf message, expected prefix [107 56 115 0]",
    );
  const envelope = decodeMessage(raw.subarray(4), "Unknown", "Unknown");
  const typeMeta = (envelope.typeMeta ?? {}) as { apiVersion?: string; kind?: string };
  if (typeMeta.kind !== "Pod" || (typeMeta.apiVersion ?? "v1") !== "v1")
    throw errors.unsupportedMediaType(
      `the simulated API server decodes protobuf only for v1 Pods (got ${typeMeta.apiVersion ?? "?"}/${typeMeta.kind ?? "?"}); send JSON`,
    );
  const pod = decodeMessage((envelope.raw as Buffer | undefined) ?? Buffer.alloc(0), "Pod", "Pod");
  // VolumeSource is inlined in JSON: a volume is {name, hostPath: ...}.
  const spec = pod.spec as { volumes?: Array<Record<string, unknown>> } | undefined;
  for (const v of spec?.volumes ?? []) {
    Object.assign(v, v.volumeSource as object);
    delete v.volumeSource;
  }
  return { apiVersion: "v1", kind: "Pod", ...pod };
}

class Reader {
  offset = 0;
  readonly buf: Buffer;
  constructor(buf: Buffer) {
    this.buf = buf;
  }
  get done(): boolean {
    return this.offset >= this.buf.length;
  }
  varint(): bigint {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (this.offset >= this.buf.length) throw truncated();
      const byte = this.buf[this.offset++] as number;
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result;
      shift += 7n;
      if (shift > 63n) throw errors.badRequest("protobuf: varint overflow");
    }
  }
  bytes(): Buffer {
    const length = Number(this.varint());
    if (this.offset + length > this.buf.length) throw truncated();
    const out = this.buf.subarray(this.offset, this.offset + length);
    this.offset += length;
    return out;
  }
}

function truncated() {
  return errors.badRequest("protobuf: unexpected end of message");
}

function decodeMessage(buf: Buffer, type: string, path: string): Record<string, unknown> {
  const schema = SCHEMAS[type] as Schema;
  const out: Record<string, unknown> = {};
  const r = new Reader(buf);
  while (!r.done) {
    const key = r.varint();
    const number = Number(key >> 3n);
    const wire = Number(key & 7n);
    const field = schema[number];
    if (wire === 0) {
      const value = r.varint();
      if (!field) {
        if (value !== 0n) throw unknownField(path, number);
        continue;
      }
      const decoded = field.kind === "bool" ? value !== 0n : Number(BigInt.asIntN(64, value));
      if (field.repeated) push(out, field.name, decoded);
      else if (decoded !== false && decoded !== 0) out[field.name] = decoded;
      continue;
    }
    if (wire !== 2)
      throw errors.badRequest(`protobuf: ${path} field ${number} has wire type ${wire}, not supported`);
    const bytes = r.bytes();
    if (!field) {
      if (bytes.length !== 0) throw unknownField(path, number);
      continue;
    }
    const value = lengthDelimited(field, bytes, `${path}.${field.name}`);
    if (value === undefined) continue;
    if (typeof field.kind === "object" && "map" in field.kind) {
      const [k, v] = value as [string, string];
      out[field.name] = { ...((out[field.name] as object) ?? {}), [k]: v };
    } else if (field.repeated) push(out, field.name, value);
    else out[field.name] = value;
  }
  if (type === "Time") return timeJson(out) as never;
  return out;
}

function lengthDelimited(field: Field, bytes: Buffer, path: string): unknown {
  if (field.kind === "string") {
    const text = bytes.toString("utf8");
    return text === "" && !field.repeated ? undefined : text;
  }
  if (field.kind === "bytes") return bytes;
  if (typeof field.kind === "object" && "message" in field.kind) {
    const decoded = decodeMessage(bytes, field.kind.message, path);
    return field.kind.message === "Time" ? (decoded as unknown as string | undefined) : decoded;
  }
  if (typeof field.kind === "object" && "map" in field.kind) {
    const entry = decodeMessage(bytes, "MapEntry", path);
    return [entry.key ?? "", entry.value ?? ""];
  }
  throw errors.badRequest(`protobuf: ${path} is not length-delimited`);
}

SCHEMAS.MapEntry = { 1: { name: "key", kind: "string" }, 2: { name: "value", kind: "string" } };

/** metav1.Time in protobuf is seconds and nanos; in JSON, RFC 3339 to the second, or nothing for the zero time. */
function timeJson(t: Record<string, unknown>): string | undefined {
  const seconds = Number(t.seconds ?? 0);
  if (seconds === 0) return undefined;
  return new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
}

function push(out: Record<string, unknown>, name: string, value: unknown): void {
  out[name] = [...((out[name] as unknown[]) ?? []), value];
}

function unknownField(path: string, number: number) {
  return errors.unsupportedMediaType(
    `the simulated API server does not decode field ${number} of ${path} from protobuf (it decodes the Pod fields it models, see src/sim/apiserver/protobuf.ts); send JSON`,
  );
}
