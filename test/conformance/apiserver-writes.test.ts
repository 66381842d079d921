/**
 * What kube-apiserver does with a write, one test per behaviour the product relies on, run against the simulator.
 * Each names the upstream source it models; when the simulator and the real server disagree, the real server is right.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatMicroTime, microTime } from "../../src/kube/micro-time.ts";
import { parseGoTime, RFC3339, RFC3339_MICRO } from "../../src/sim/apiserver/go-time.ts";
import { seedFixtureCluster } from "../support/apiserver-fixtures.ts";
import { ADMIN_TOKEN, type Harness, startHarness } from "../support/apiserver-harness.ts";
import { type RawRequest, rawRequest } from "../support/apiserver-http.ts";

let h: Harness;
const call = (path: string, opts: RawRequest = {}) =>
  rawRequest(h.server.url, h.caPem, path, { token: ADMIN_TOKEN, ...opts });
const LEASES = "/apis/coordination.k8s.io/v1/namespaces/default/leases";

beforeAll(async () => {
  h = await startHarness(seedFixtureCluster);
});
afterAll(async () => {
  await h?.close();
});

let counter = 0;
function lease(spec: Record<string, unknown>, name = `lease-${++counter}`) {
  return { apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: { name }, spec };
}

describe("metav1.MicroTime and metav1.Time (kubernetes/apimachinery pkg/apis/meta/v1/micro_time.go, time.go)", () => {
  it("rejects a Lease whose renewTime has milliseconds, as client-node sends a JS Date, with the decoder's 400", async () => {
    const at = new Date("2025-01-02T03:04:05.678Z");
    // What the product sent before: JSON.stringify of a Date is toISOString(), three fractional digits.
    const r = await call(LEASES, {
      method: "POST",
      body: JSON.parse(JSON.stringify(lease({ renewTime: at }))),
    });
    expect(r.status).toBe(400);
    expect(r.json()).toMatchObject({ reason: "BadRequest", code: 400 });
    // apiserver handlers/create.go transformDecodeError around Go's time.ParseError.
    expect(r.json().message).toBe(
      'Lease in version "v1" cannot be handled as a Lease: parsing time "2025-01-02T03:04:05.678Z" as "2006-01-02T15:04:05.000000Z07:00": cannot parse ".678Z" as ".000000"',
    );
  });

  it("accepts exactly six fractional digits, which is what the product's microTime serialises to", async () => {
    const at = new Date("2025-01-02T03:04:05.678Z");
    expect(JSON.parse(JSON.stringify({ t: microTime(at) })).t).toBe("2025-01-02T03:04:05.678000Z");
    expect(formatMicroTime(at)).toBe("2025-01-02T03:04:05.678000Z");
    const body = JSON.parse(JSON.stringify(lease({ renewTime: microTime(at), acquireTime: microTime(at) })));
    const r = await call(LEASES, { method: "POST", body });
    expect(r.status, r.text).toBe(201);
    expect(r.json().spec.renewTime).toBe("2025-01-02T03:04:05.678000Z");
  });

  it("rejects a MicroTime without a fraction, and a non-string one", async () => {
    const r = await call(LEASES, { method: "POST", body: lease({ renewTime: "2025-01-02T03:04:05Z" }) });
    expect(r.json().message).toMatch(/cannot parse "Z" as "\.000000"$/);
    const n = await call(LEASES, { method: "POST", body: lease({ renewTime: 5 }) });
    expect(n.status).toBe(400);
    expect(n.json().message).toMatch(/json: cannot unmarshal number into Go value of type string$/);
  });

  it("takes a Time (RFC 3339) with or without a fraction, and rejects impossible dates", () => {
    expect(parseGoTime(RFC3339, "2025-01-02T03:04:05Z").ok).toBe(true);
    expect(parseGoTime(RFC3339, "2025-01-02T03:04:05.123456789+02:00")).toEqual({
      ok: true,
      epochMs: Date.parse("2025-01-02T01:04:05.123Z"),
    });
    expect(parseGoTime(RFC3339, "2025-02-30T00:00:00Z")).toEqual({
      ok: false,
      error: 'parsing time "2025-02-30T00:00:00Z": day out of range',
    });
    expect(parseGoTime(RFC3339, "2025-01-02 03:04:05Z")).toEqual({
      ok: false,
      error:
        'parsing time "2025-01-02 03:04:05Z" as "2006-01-02T15:04:05Z07:00": cannot parse " 03:04:05Z" as "T"',
    });
    expect(parseGoTime(RFC3339, "2025-13-02T03:04:05Z")).toEqual({
      ok: false,
      error: 'parsing time "2025-13-02T03:04:05Z": month out of range',
    });
    expect(parseGoTime(RFC3339_MICRO, "2025-01-02T03:04:05.000001-07:00").ok).toBe(true);
  });

  it("decodes an Event's firstTimestamp as a Time: a bad one fails the create", async () => {
    const r = await call("/api/v1/namespaces/default/events", {
      method: "POST",
      body: {
        apiVersion: "v1",
        kind: "Event",
        metadata: { generateName: "k8s-worker1.cni-doctor." },
        involvedObject: { kind: "Node", name: "k8s-worker1" },
        reason: "Test",
        firstTimestamp: "yesterday",
      },
    });
    expect(r.status).toBe(400);
    expect(r.json().message).toBe(
      'Event in version "v1" cannot be handled as a Event: parsing time "yesterday" as "2006-01-02T15:04:05Z07:00": cannot parse "yesterday" as "2006"',
    );
  });
});

describe("JSON types and unknown fields (apiserver handlers/create.go, rest.go; apimachinery pkg/runtime/error.go)", () => {
  it("answers a string where an int32 belongs with encoding/json's UnmarshalTypeError", async () => {
    const r = await call(LEASES, { method: "POST", body: lease({ leaseDurationSeconds: "30" }) });
    expect(r.status).toBe(400);
    expect(r.json().message).toBe(
      'Lease in version "v1" cannot be handled as a Lease: json: cannot unmarshal string into Go struct field LeaseSpec.spec.leaseDurationSeconds of type int32',
    );
  });

  it("fieldValidation=Strict refuses an unknown field", async () => {
    const r = await call(`${LEASES}?fieldValidation=Strict`, {
      method: "POST",
      body: lease({ holderIdentity: "a", bogus: 1 }),
    });
    expect(r.status).toBe(400);
    expect(r.json().message).toBe(
      'Lease in version "v1" cannot be handled as a Lease: strict decoding error: unknown field "spec.bogus"',
    );
  });

  it("without fieldValidation (Warn) the write succeeds with a Warning header, and the field is not stored", async () => {
    const name = "warned";
    const r = await call(LEASES, { method: "POST", body: lease({ holderIdentity: "a", bogus: 1 }, name) });
    expect(r.status).toBe(201);
    expect(r.headers.warning).toBe('299 - "unknown field \\"spec.bogus\\""');
    expect(r.json().spec).not.toHaveProperty("bogus");
    expect((await call(`${LEASES}/${name}`)).json().spec).toEqual({ holderIdentity: "a" });
  });

  it("fieldValidation=Ignore drops the field silently; an unsupported value is a 422 on CreateOptions", async () => {
    const ignored = await call(`${LEASES}?fieldValidation=Ignore`, {
      method: "POST",
      body: lease({ bogus: 1 }),
    });
    expect(ignored.status).toBe(201);
    expect(ignored.headers.warning).toBeUndefined();
    const bad = await call(`${LEASES}?fieldValidation=Loud`, { method: "POST", body: lease({}) });
    expect(bad.status).toBe(422);
    // apimachinery pkg/apis/meta/v1/validation/validation.go ValidateFieldValidation (sorted set, "" included).
    expect(bad.json().message).toBe(
      'CreateOptions.meta.k8s.io "" is invalid: fieldValidation: Unsupported value: "Loud": supported values: "", "Ignore", "Strict", "Warn"',
    );
  });
});

describe("object metadata (apimachinery pkg/api/validation/objectmeta.go, generic.go, api/validate/content)", () => {
  it("validates names by kind: pods are DNS-1123 subdomains, services DNS-1035 labels, namespaces DNS-1123 labels", async () => {
    const pod = await call("/api/v1/namespaces/default/pods", {
      method: "POST",
      body: { apiVersion: "v1", kind: "Pod", metadata: { name: "Bad_Name" }, spec: { containers: [] } },
    });
    expect(pod.status).toBe(422);
    expect(pod.json().message).toBe(
      `Pod "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
    );
    const svc = await call("/api/v1/namespaces/default/services", {
      method: "POST",
      body: { apiVersion: "v1", kind: "Service", metadata: { name: "1redis" }, spec: {} },
    });
    expect(svc.status).toBe(422);
    expect(svc.json().message).toContain(
      "a DNS-1035 label must consist of lower case alphanumeric characters",
    );
    const ns = await call("/api/v1/namespaces", {
      method: "POST",
      body: { apiVersion: "v1", kind: "Namespace", metadata: { name: "a.b" } },
    });
    expect(ns.json().message).toBe(
      'Namespace "a.b" is invalid: metadata.name: Invalid value: "a.b": must not contain dots',
    );
  });

  it("names from generateName: base cut to 58 characters plus 5 random ones; a bad prefix fails on both fields", async () => {
    const long = `${"a".repeat(70)}-`;
    const ok = await call(LEASES, {
      method: "POST",
      body: { ...lease({}), metadata: { generateName: long } },
    });
    expect(ok.status).toBe(201);
    expect(ok.json().metadata.name).toMatch(/^a{58}[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    const bad = await call(LEASES, {
      method: "POST",
      body: { ...lease({}), metadata: { generateName: "Upper-" } },
    });
    expect(bad.status).toBe(422);
    expect(bad.json().details.causes.map((c: { field: string }) => c.field)).toEqual([
      "metadata.generateName",
      "metadata.name",
    ]);
  });

  it("validates label keys and values, and annotation keys and their total size (256 KiB)", async () => {
    const labels = await call(LEASES, {
      method: "POST",
      body: { ...lease({}), metadata: { name: "labelled", labels: { "a/b/c": "ok", good: "not ok!" } } },
    });
    expect(labels.status).toBe(422);
    const text = labels.json().message as string;
    expect(text).toContain('metadata.labels: Invalid value: "a/b/c": a valid label key must consist of');
    expect(text).toContain(
      `metadata.labels: Invalid value: "not ok!": a valid label must be an empty string`,
    );
    const big = await call(LEASES, {
      method: "POST",
      body: { ...lease({}), metadata: { name: "annotated", annotations: { note: "x".repeat(256 * 1024) } } },
    });
    expect(big.status).toBe(422);
    expect(big.json().message).toBe(
      'Lease.coordination.k8s.io "annotated" is invalid: metadata.annotations: Too long: may not be more than 262144 bytes',
    );
    expect(big.json().details.causes[0].reason).toBe("FieldValueTooLong");
  });

  it("skips object-meta validation for core/v1 Events but checks the involved object's namespace (core/validation/events.go)", async () => {
    const event = (ns: string | undefined) => ({
      apiVersion: "v1",
      kind: "Event",
      // A generateName ending in "." would fail a DNS subdomain; core/v1 Events are never name-checked.
      metadata: { generateName: "k8s-worker1.cni-doctor." },
      involvedObject: { kind: "Pod", name: "p", ...(ns ? { namespace: ns } : {}) },
      reason: "Test",
    });
    expect(
      (await call("/api/v1/namespaces/default/events", { method: "POST", body: event(undefined) })).status,
    ).toBe(201);
    const mismatch = await call("/api/v1/namespaces/default/events", {
      method: "POST",
      body: event("kube-system"),
    });
    expect(mismatch.status).toBe(422);
    expect(mismatch.json().message).toBe(
      'Event "' +
        mismatch.json().details.name +
        '" is invalid: involvedObject.namespace: Invalid value: "kube-system": does not match event.namespace',
    );
  });
});

describe("updates (kubernetes pkg/apis/core/validation/validation.go; apiserver registry/generic/registry/store.go)", () => {
  it("refuses a stale resourceVersion and a different uid with 409 Conflict", async () => {
    const created = (await call(LEASES, { method: "POST", body: lease({}, "cas") })).json();
    const stale = { ...created, metadata: { ...created.metadata, resourceVersion: "1" } };
    const r = await call(`${LEASES}/cas`, { method: "PUT", body: stale });
    expect(r.status).toBe(409);
    expect(r.json().message).toBe(
      'Operation cannot be fulfilled on leases.coordination.k8s.io "cas": the object has been modified; please apply your changes to the latest version and try again',
    );
    const otherUid = { ...created, metadata: { ...created.metadata, uid: "not-the-uid" } };
    const u = await call(`${LEASES}/cas`, { method: "PUT", body: otherUid });
    expect(u.status).toBe(409);
    expect(u.json().message).toContain(
      `Precondition failed: UID in precondition: not-the-uid, UID in object meta: ${created.metadata.uid}`,
    );
  });

  it("refuses a changed uid precondition on delete with 409", async () => {
    await call(LEASES, { method: "POST", body: lease({}, "doomed") });
    const r = await call(`${LEASES}/doomed`, {
      method: "DELETE",
      body: { kind: "DeleteOptions", apiVersion: "v1", preconditions: { uid: "someone-else" } },
    });
    expect(r.status).toBe(409);
    expect(r.json().message).toMatch(
      /Precondition failed: UID in precondition: someone-else, UID in object meta: /,
    );
  });

  it("keeps an immutable ConfigMap's data as it is (ValidateConfigMapUpdate)", async () => {
    const cms = "/api/v1/namespaces/default/configmaps";
    const created = (
      await call(cms, {
        method: "POST",
        body: {
          apiVersion: "v1",
          kind: "ConfigMap",
          metadata: { name: "frozen" },
          data: { a: "1" },
          immutable: true,
        },
      })
    ).json();
    const r = await call(`${cms}/frozen`, { method: "PUT", body: { ...created, data: { a: "2" } } });
    expect(r.status).toBe(422);
    expect(r.json().message).toBe(
      'ConfigMap "frozen" is invalid: data: Forbidden: field is immutable when `immutable` is set',
    );
  });

  it("lets a pod update change only the updatable spec fields (ValidatePodUpdate)", async () => {
    const path = "/api/v1/namespaces/default/pods/unscheduled";
    const current = (await call(path)).json();
    const image = { ...current, spec: { ...current.spec, containers: [{ name: "c", image: "busybox:2" }] } };
    const ok = await call(path, { method: "PUT", body: image });
    expect(ok.status, ok.text).toBe(200);
    const moved = { ...ok.json(), spec: { ...ok.json().spec, nodeName: "k8s-worker9" } };
    const r = await call(path, { method: "PUT", body: moved });
    expect(r.status).toBe(422);
    expect(r.json().message).toMatch(
      /^Pod "unscheduled" is invalid: spec: Forbidden: pod updates may not change fields other than `spec.containers\[\*\].image`,/,
    );
  });
});

describe("PATCH content types (apiserver handlers/patch.go, endpoints/installer.go)", () => {
  it("applies with apply-patch+yaml only with a fieldManager, and creates what does not exist", async () => {
    const missing = await call(`${LEASES}/applied`, {
      method: "PATCH",
      contentType: "application/apply-patch+yaml",
      body: lease({ holderIdentity: "x" }, "applied"),
    });
    expect(missing.status).toBe(422);
    expect(missing.json().message).toBe(
      'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch',
    );
    const created = await call(`${LEASES}/applied?fieldManager=test`, {
      method: "PATCH",
      contentType: "application/apply-patch+yaml",
      body: lease({ holderIdentity: "x" }, "applied"),
    });
    expect(created.status, created.text).toBe(201);
    expect(created.json().spec.holderIdentity).toBe("x");
    const unknown = await call(`${LEASES}/applied?fieldManager=test`, {
      method: "PATCH",
      contentType: "application/apply-patch+yaml",
      body: lease({ bogus: true }, "applied"),
    });
    expect(unknown.status).toBe(400);
    expect(unknown.json().message).toBe(
      "failed to create typed patch object (coordination.k8s.io/v1, Kind=Lease): .spec.bogus: field not declared in schema",
    );
  });

  it("refuses force on a non-apply patch, and an unknown field of a merge patch under Strict", async () => {
    await call(LEASES, { method: "POST", body: lease({}, "patched") });
    const force = await call(`${LEASES}/patched?force=true`, {
      method: "PATCH",
      contentType: "application/merge-patch+json",
      body: { spec: { holderIdentity: "y" } },
    });
    expect(force.status).toBe(422);
    expect(force.json().message).toBe(
      'PatchOptions.meta.k8s.io "" is invalid: force: Forbidden: may not be specified for non-apply patch',
    );
    const strict = await call(`${LEASES}/patched?fieldValidation=Strict`, {
      method: "PATCH",
      contentType: "application/merge-patch+json",
      body: { spec: { bogus: 1 } },
    });
    expect(strict.status).toBe(422);
    expect(strict.json().message).toMatch(
      /^ "" is invalid: patch: Invalid value: ".*": strict decoding error: unknown field "spec.bogus"$/,
    );
    const bad = await call(`${LEASES}/patched`, {
      method: "PATCH",
      contentType: "application/merge-patch+json",
      body: { spec: { renewTime: "2025-01-02T03:04:05.678Z" } },
    });
    expect(bad.status).toBe(422);
    expect(bad.json().message).toMatch(/cannot parse "\.678Z" as "\.000000"$/);
  });
});
