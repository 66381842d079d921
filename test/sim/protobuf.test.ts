/**
 * The protobuf Pod decoder (src/sim/apiserver/protobuf.ts): apimachinery's envelope (`k8s\0` + runtime.Unknown) and
 * core/v1's field numbers, zero-valued fields skipped as Go's marshalling writes them, anything else it does not model
 * refused rather than dropped. kubectl itself is the end-to-end judge (test/sim/pod-exec.test.ts, kubectl debug).
 */
import { describe, expect, it } from "vitest";
import { decodeProtobufPod } from "../../src/sim/apiserver/protobuf.ts";
import { ApiError } from "../../src/sim/apiserver/status.ts";

/** A minimal protobuf writer: varints and length-delimited fields, enough to build test messages. */
function varint(n: number): Buffer {
  const out: number[] = [];
  let v = n;
  while (v > 0x7f) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return Buffer.from(out);
}
const field = (n: number, body: Buffer | string) => {
  const bytes = typeof body === "string" ? Buffer.from(body) : body;
  return Buffer.concat([varint((n << 3) | 2), varint(bytes.length), bytes]);
};
const flag = (n: number, value: number) => Buffer.concat([varint(n << 3), varint(value)]);
const envelope = (raw: Buffer, kind = "Pod") =>
  Buffer.concat([
    Buffer.from([0x6b, 0x38, 0x73, 0x00]),
    field(1, Buffer.concat([field(1, "v1"), field(2, kind)])),
    field(2, raw),
  ]);

describe("decodeProtobufPod", () => {
  it("decodes metadata, spec, containers, hostPath volumes and tolerations, skipping zero values", () => {
    const metadata = Buffer.concat([
      field(1, "debug"),
      field(2, ""), // generateName, empty: Go writes it anyway
      flag(7, 0), // generation 0
      field(8, Buffer.alloc(0)), // the zero creationTimestamp
      field(11, Buffer.concat([field(1, "app"), field(2, "x")])),
    ]);
    const container = Buffer.concat([
      field(1, "debugger"),
      field(2, "busybox"),
      field(9, Buffer.concat([field(1, "host-root"), field(3, "/host")])),
      flag(16, 0),
      field(20, "File"),
    ]);
    const volume = Buffer.concat([field(1, "host-root"), field(2, field(1, field(1, "/")))]);
    const spec = Buffer.concat([
      field(1, volume),
      field(2, container),
      field(3, "Never"),
      field(10, "k8s-worker1"),
      flag(11, 1),
      flag(12, 0),
      field(22, field(2, "Exists")),
      flag(99, 0), // a field the decoder does not model, zero: skipped
    ]);
    const pod = decodeProtobufPod(
      envelope(Buffer.concat([field(1, metadata), field(2, spec), field(3, Buffer.alloc(0))])),
    );
    expect(pod).toEqual({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "debug", labels: { app: "x" } },
      spec: {
        volumes: [{ name: "host-root", hostPath: { path: "/" } }],
        containers: [
          {
            name: "debugger",
            image: "busybox",
            volumeMounts: [{ name: "host-root", mountPath: "/host" }],
            terminationMessagePolicy: "File",
          },
        ],
        restartPolicy: "Never",
        nodeName: "k8s-worker1",
        hostNetwork: true,
        tolerations: [{ operator: "Exists" }],
      },
      status: {},
    });
  });

  it("refuses a non-zero field it does not model instead of dropping it, and kinds other than Pod", () => {
    const spec = field(2, Buffer.concat([flag(99, 1)]));
    const refused = (() => {
      try {
        decodeProtobufPod(envelope(spec));
      } catch (e) {
        return e as ApiError;
      }
    })();
    expect(refused).toBeInstanceOf(ApiError);
    expect(refused?.code).toBe(415);
    expect(refused?.message).toMatch(/does not decode field 99 of Pod\.spec from protobuf/);
    expect(() => decodeProtobufPod(envelope(Buffer.alloc(0), "Service"))).toThrow(/only for v1 Pods/);
    expect(() => decodeProtobufPod(Buffer.from("{}"))).toThrow(/expected prefix \[107 56 115 0\]/);
  });
});
