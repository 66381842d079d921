import { describe, expect, it } from "vitest";
import { humanDuration } from "../../src/sim/apiserver/duration.ts";
import { FaultInjector } from "../../src/sim/apiserver/faults.ts";
import { parseFieldSelector } from "../../src/sim/apiserver/fields.ts";
import { formatLabelSelector, matchesLabels, parseLabelSelector } from "../../src/sim/apiserver/labels.ts";
import { decodeContinue, encodeContinue } from "../../src/sim/apiserver/pagination.ts";
import { jsonPatch, mergePatch, strategicMergePatch } from "../../src/sim/apiserver/patch.ts";
import { formatEndpoints, PRINTERS } from "../../src/sim/apiserver/printers.ts";
import type { KubeObject } from "../../src/sim/objects.ts";
import { resourceByPlural } from "../../src/sim/resources.ts";

const NOW = new Date("2025-06-01T12:00:00Z");
const podsDef = resourceByPlural("", "pods");
if (!podsDef) throw new Error("pods must be registered");

function pod(
  status: Record<string, unknown>,
  spec: Record<string, unknown> = {},
  meta: Record<string, unknown> = {},
): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: "p",
      namespace: "default",
      uid: "u",
      resourceVersion: "1",
      creationTimestamp: "2025-06-01T11:00:00Z",
      ...meta,
    },
    spec: { containers: [{ name: "c" }], ...spec },
    status,
  };
}

function podCells(p: KubeObject): unknown[] {
  return PRINTERS.pods?.row(p, NOW).cells ?? [];
}

describe("humanDuration matches apimachinery's duration.HumanDuration", () => {
  it.each([
    [-2000, "<invalid>"],
    [-1000, "0s"],
    [1000, "1s"],
    [119_000, "119s"],
    [190_000, "3m10s"],
    [600_000, "10m"],
    [70 * 60_000, "70m"],
    [3 * 3600_000 + 5 * 60_000, "3h5m"],
    [47 * 3600_000, "47h"],
    [49 * 3600_000, "2d1h"],
    [(8 * 24 + 2) * 3600_000, "8d"],
    [367 * 24 * 3600_000, "367d"],
    [(365 * 2 * 24 + 25) * 3600_000, "2y1d"],
    [(365 * 8 * 24 + 2) * 3600_000, "8y"],
  ])("%d ms → %s", (ms, text) => {
    expect(humanDuration(ms)).toBe(text);
  });
});

describe("pod printer STATUS/READY/RESTARTS as kubectl shows them", () => {
  it("reports a waiting reason: ContainerCreating, CrashLoopBackOff, ImagePullBackOff", () => {
    for (const reason of ["ContainerCreating", "CrashLoopBackOff", "ImagePullBackOff"]) {
      const cells = podCells(
        pod({ phase: "Pending", containerStatuses: [{ name: "c", state: { waiting: { reason } } }] }),
      );
      expect(cells.slice(1, 3)).toEqual(["0/1", reason]);
    }
  });

  it("shows init progress and init failures", () => {
    const spec = { initContainers: [{ name: "install-cni" }] };
    expect(
      podCells(
        pod(
          { phase: "Pending", initContainerStatuses: [{ name: "install-cni", state: { running: {} } }] },
          spec,
        ),
      )[2],
    ).toBe("Init:0/1");
    expect(
      podCells(
        pod(
          {
            phase: "Pending",
            initContainerStatuses: [
              { name: "install-cni", state: { terminated: { exitCode: 1, reason: "Error" } } },
            ],
          },
          spec,
        ),
      )[2],
    ).toBe("Init:Error");
    expect(
      podCells(
        pod(
          {
            phase: "Pending",
            initContainerStatuses: [
              { name: "install-cni", state: { waiting: { reason: "CrashLoopBackOff" } } },
            ],
          },
          spec,
        ),
      )[2],
    ).toBe("Init:CrashLoopBackOff");
  });

  it("shows Completed, Terminating and restarts with the last restart's age", () => {
    expect(
      podCells(
        pod({
          phase: "Succeeded",
          containerStatuses: [{ name: "c", state: { terminated: { exitCode: 0, reason: "Completed" } } }],
        }),
      )[2],
    ).toBe("Completed");
    const terminating = pod(
      { phase: "Running", containerStatuses: [{ name: "c", ready: true, state: { running: {} } }] },
      {},
      { deletionTimestamp: "2025-06-01T12:00:30Z" },
    );
    expect(podCells(terminating).slice(1, 3)).toEqual(["1/1", "Terminating"]);
    const restarted = pod({
      phase: "Running",
      containerStatuses: [
        {
          name: "c",
          ready: false,
          restartCount: 5,
          lastState: { terminated: { exitCode: 1, finishedAt: "2025-06-01T11:58:00Z" } },
          state: { waiting: { reason: "CrashLoopBackOff" } },
        },
      ],
    });
    expect(podCells(restarted).slice(1, 4)).toEqual(["0/1", "CrashLoopBackOff", "5 (2m ago)"]);
  });
});

describe("endpoints printer", () => {
  it("lists ready addresses with ports, <none> without subsets, and counts the rest", () => {
    expect(formatEndpoints({})).toBe("<none>");
    expect(formatEndpoints({ subsets: [{ addresses: [{ ip: "fd00::1" }], ports: [{ port: 53 }] }] })).toBe(
      "[fd00::1]:53",
    );
    expect(
      formatEndpoints({ subsets: [{ notReadyAddresses: [{ ip: "10.0.0.1" }], ports: [{ port: 80 }] }] }),
    ).toBe("");
  });
});

describe("label selectors", () => {
  it("parses every operator and matches like the real server", () => {
    const sel = parseLabelSelector(
      "app=redis,tier!=db,env in (prod, staging),zone notin (a),canary,!legacy,version==2",
    );
    const labels = { app: "redis", tier: "cache", env: "prod", zone: "b", canary: "", version: "2" };
    expect(matchesLabels(sel, labels)).toBe(true);
    expect(matchesLabels(sel, { ...labels, legacy: "yes" })).toBe(false);
    expect(matchesLabels(sel, { ...labels, env: "dev" })).toBe(false);
    expect(matchesLabels(parseLabelSelector("tier!=db"), {})).toBe(true);
    expect(matchesLabels(parseLabelSelector(""), { any: "thing" })).toBe(true);
  });

  it("refuses bad syntax with the parser's messages", () => {
    expect(() => parseLabelSelector("a=b=c")).toThrow("found '=', expected: ',' or 'end of string'");
    expect(() => parseLabelSelector("a in b")).toThrow(
      "unable to parse requirement: found 'b' expected: '('",
    );
    expect(() => parseLabelSelector("a,")).toThrow("found '', expected: identifier after ','");
    expect(() => parseLabelSelector("bad key=x")).toThrow(
      "found 'key', expected: in, notin, =, ==, !=, gt, lt",
    );
    expect(() => parseLabelSelector("a=b c")).toThrow();
    expect(() => parseLabelSelector("a=b!")).toThrow();
  });

  it("formats metav1.LabelSelector like labels.Selector.String()", () => {
    expect(
      formatLabelSelector({
        matchLabels: { b: "2", a: "1" },
        matchExpressions: [{ key: "c", operator: "In", values: ["y", "x"] }],
      }),
    ).toBe("a=1,b=2,c in (x,y)");
    expect(formatLabelSelector(undefined)).toBe("<none>");
  });
});

describe("field selectors", () => {
  it("accepts metadata fields and the type's indexed fields, with escapes", () => {
    const sel = parseFieldSelector(
      "metadata.namespace=default,spec.nodeName!=k8s-worker1,metadata.name=a\\,b",
      podsDef,
    );
    expect(sel.map((r) => [r.field, r.negated, r.value])).toEqual([
      ["metadata.name", false, "a,b"],
      ["metadata.namespace", false, "default"],
      ["spec.nodeName", true, "k8s-worker1"],
    ]);
  });

  it("refuses unknown fields and unparseable terms with the real texts", () => {
    expect(() => parseFieldSelector("spec.containers=x", podsDef)).toThrow(
      "field label not supported: spec.containers",
    );
    expect(() => parseFieldSelector("nonsense", podsDef)).toThrow(
      "invalid selector: 'nonsense'; can't understand 'nonsense'",
    );
  });
});

describe("continue tokens", () => {
  it("round-trip and reject garbage", () => {
    const token = encodeContinue("default/pod-9", 42);
    expect(decodeContinue(token)).toEqual({ start: "default/pod-9\u0000", rv: 42 });
    expect(JSON.parse(Buffer.from(token, "base64url").toString())).toEqual({
      v: "meta.k8s.io/v1",
      rv: 42,
      start: "default/pod-9\u0000",
    });
    expect(() => decodeContinue("%%%")).toThrow(/^invalid continue token: continue key is not valid/);
    expect(() => decodeContinue(Buffer.from('{"v":"x","rv":1,"start":"a"}').toString("base64url"))).toThrow(
      'server does not recognize this encoded version "x"',
    );
  });
});

describe("patches", () => {
  const base = {
    metadata: { labels: { a: "1", b: "2" }, finalizers: ["x"] },
    spec: {
      containers: [
        { name: "c1", image: "old", env: [{ name: "A", value: "1" }] },
        { name: "c2", image: "keep" },
      ],
    },
  };

  it("merge patch replaces lists and deletes with null", () => {
    expect(
      mergePatch(base, {
        metadata: { labels: { a: null, c: "3" } },
        spec: { containers: [{ name: "only" }] },
      }),
    ).toEqual({
      metadata: { labels: { b: "2", c: "3" }, finalizers: ["x"] },
      spec: { containers: [{ name: "only" }] },
    });
  });

  it("strategic merge patch merges lists by their merge key and honours $patch: delete", () => {
    const out = strategicMergePatch(base, {
      metadata: { finalizers: ["y"] },
      spec: {
        containers: [
          { name: "c1", image: "new" },
          { name: "c2", $patch: "delete" },
          { name: "c3", image: "added" },
        ],
      },
    });
    expect(out.metadata.finalizers).toEqual(["x", "y"]);
    expect(out.spec.containers).toEqual([
      { name: "c1", image: "new", env: [{ name: "A", value: "1" }] },
      { name: "c3", image: "added" },
    ]);
  });

  it("JSON patch applies add/remove/replace/test and fails a failed test", () => {
    const out = jsonPatch(base, [
      { op: "replace", path: "/spec/containers/0/image", value: "v2" },
      { op: "remove", path: "/metadata/labels/b" },
      { op: "add", path: "/metadata/finalizers/-", value: "z" },
      { op: "test", path: "/metadata/labels/a", value: "1" },
    ]);
    expect(out.spec.containers[0].image).toBe("v2");
    expect(out.metadata).toEqual({ labels: { a: "1" }, finalizers: ["x", "z"] });
    expect(base.metadata.labels.b).toBe("2");
    expect(() => jsonPatch(base, [{ op: "test", path: "/metadata/labels/a", value: "9" }])).toThrow(
      "test failed",
    );
  });
});

describe("FaultInjector", () => {
  it("matches by method, path, resource and verb, adds up delays and retires rules after `times`", () => {
    const faults = new FaultInjector();
    const remove = faults.add({ pathPrefix: "/api/v1/nodes", delayMs: 10 });
    faults.add({ method: "GET", resource: "pods", verb: "list", status: 503, times: 2 });
    faults.add({ resource: "pods", delayMs: 5 });
    const req = { method: "GET", path: "/api/v1/pods", resource: "pods", verb: "list" };
    expect(faults.evaluate(req)).toEqual({
      status: 503,
      delayMs: 5,
      expireContinue: false,
      expireWatch: false,
    });
    expect(faults.evaluate(req)?.status).toBe(503);
    expect(faults.evaluate(req)).toEqual({ delayMs: 5, expireContinue: false, expireWatch: false });
    expect(
      faults.evaluate({ method: "GET", path: "/api/v1/nodes", resource: "nodes", verb: "list" })?.delayMs,
    ).toBe(10);
    remove();
    expect(
      faults.evaluate({ method: "GET", path: "/api/v1/nodes", resource: "nodes", verb: "list" }),
    ).toBeUndefined();
  });

  it("spends continue-expiry rules only on requests with a continue token, drop rules only on watches", () => {
    const faults = new FaultInjector();
    faults.add({ expireContinue: true, times: 1 });
    faults.add({ dropWatchAfterMs: 100, times: 1 });
    expect(faults.evaluate({ method: "GET", path: "/api/v1/pods", verb: "list" })).toBeUndefined();
    expect(
      faults.evaluate({ method: "GET", path: "/api/v1/pods", verb: "list", hasContinue: true })
        ?.expireContinue,
    ).toBe(true);
    expect(faults.evaluate({ method: "GET", path: "/api/v1/pods", verb: "watch" })?.dropWatchAfterMs).toBe(
      100,
    );
    expect(faults.size).toBe(0);
  });
});
