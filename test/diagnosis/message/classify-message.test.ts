import { existsSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type Classification, FAMILIES } from "../../../src/diagnosis/message/classification.ts";
import { classifyMessage } from "../../../src/diagnosis/message/classify-message.ts";
import { hasControlCharacter, MAX_MESSAGE_CHARS } from "../../../src/diagnosis/message/normalize.ts";
import { signatures } from "../../../src/diagnosis/message/signatures/index.ts";
import { countOperations } from "../../support/operation-count.ts";

const PHASES = ["add", "delete", "none"];
const RUNTIMES = ["containerd", "dockershim", "cri-o", "unknown"];

/** Every field present with a legal value; nothing longer than the input could justify. */
function expectWellFormed(result: Classification): void {
  expect(FAMILIES).toContain(result.family);
  expect(PHASES).toContain(result.phase);
  expect(RUNTIMES).toContain(result.runtime);
  expect(typeof result.cni).toBe("string");
  expect(typeof result.truncated).toBe("boolean");
  expect(result.signature === null || signatures.some((s) => s.id === result.signature)).toBe(true);
  if (result.pluginError !== null) expect(result.pluginError.length).toBeLessThanOrEqual(MAX_MESSAGE_CHARS);
  expect(JSON.stringify(result.details).length).toBeLessThanOrEqual(2 * MAX_MESSAGE_CHARS);
}

// projectcalico/calico#9215
const CALICO_UNAUTHORIZED = `Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "b6385006e8b3eedeaa1fd60e3e69afc9fb758a27666c93708a9211b3c988ab34": plugin type="calico" failed (add): error getting ClusterInformation: connection is unauthorized: Unauthorized`;

describe("classifyMessage: normalisation", () => {
  it('reads through several levels of Go quoting in a kubelet log line (Windows name="Calico")', () => {
    // projectcalico/calico#8465 (kubelet.exe log, quotes escaped three times)
    const message = String.raw`time="2024-01-31 14:52:57" level=info msg="E0131 14:52:57.936439    8516 remote_runtime.go:193] \"RunPodSandbox from runtime service failed\" err=\"rpc error: code = Unknown desc = failed to setup network for sandbox \\\"9f207b881af6caa158dd2b7251fc1f47b165de0d7395cfda370d66981189a279\\\": plugin type=\\\"calico\\\" name=\\\"Calico\\\" failed (add): failed to create the new HostComputeEndpoint: hcnCreateEndpoint failed in Win32: The provided policy configuration is invalid or missing parameters. (0x803b000d)"`;
    expect(classifyMessage(message)).toMatchObject({
      family: "unknown",
      cni: "calico",
      phase: "add",
      runtime: "containerd",
      details: {
        sandboxId: "9f207b881af6caa158dd2b7251fc1f47b165de0d7395cfda370d66981189a279",
        pluginName: "calico",
      },
    });
  });

  it("classifies the same with and without aggregation noise", () => {
    const plain = classifyMessage(CALICO_UNAUTHORIZED);
    expect(classifyMessage(`(combined from similar events): ${CALICO_UNAUTHORIZED}`)).toEqual(plain);
    expect(
      classifyMessage(`5s (x12 over 3m) (combined from similar events): ${CALICO_UNAUTHORIZED}`),
    ).toEqual(plain);
  });

  it("joins a message split over lines", () => {
    const split = CALICO_UNAUTHORIZED.replace(": plugin type", ":\n  plugin type").replace(
      "connection is",
      "connection\r\nis",
    );
    expect(classifyMessage(split)).toEqual(classifyMessage(CALICO_UNAUTHORIZED));
  });

  it("keeps Windows paths in a plugin search path", () => {
    // Constructed: a Windows search path in the rancher/rke2#7981 plugin error.
    const message = String.raw`failed to setup network for sandbox "e9ba9aaa20c718f83f414472baaaefcc33413fd19b3e4968683e0251042cfae0": failed to find plugin "calico.exe" in path [c:\opt\cni\bin]`;
    expect(classifyMessage(message).details).toMatchObject({
      pluginName: "calico.exe",
      pluginSearchPath: [String.raw`c:\opt\cni\bin`],
    });
  });

  it("strips control characters, so nothing it returns can drive a terminal", () => {
    const message = CALICO_UNAUTHORIZED.replace("Unauthorized", "Unauth\u001b[31morized\u009b2J");
    const result = classifyMessage(message);
    expect(hasControlCharacter(result.pluginError ?? "")).toBe(false);
  });

  it("drops identifiers a shell would interpret", () => {
    // Constructed: a hostile plugin error; the missing plugin and its path must not be reported verbatim.
    const message = `failed to setup network for sandbox "e9ba9aaa20c718f83f414472baaaefcc33413fd19b3e4968683e0251042cfae0": failed to find plugin "$(reboot)" in path [/opt/cni/bin;reboot /usr/lib/cni]`;
    const result = classifyMessage(message);
    expect(result.family).toBe("cni-plugin-missing");
    expect(result.details.pluginName).toBeUndefined();
    expect(result.details.pluginSearchPath).toEqual(["/usr/lib/cni"]);
  });
});

describe("classifyMessage: look-alikes are not CNI failures", () => {
  const lookAlikes: Array<[source: string, message: string]> = [
    [
      // kubernetes/kube-ops-view#176 (hjacobs/kube-ops-view#176)
      "image pull",
      `Failed to pull image "hjacobs/kube-ops-view:0.8.1": rpc error: code = Unknown desc = Error response from daemon: Get https://registry-1.docker.io/v2/: dial tcp: lookup registry-1.docker.io on 127.0.0.53:53: server misbehaving`,
    ],
    [
      // kubernetes/kubernetes#131521
      "image pull, cancelled",
      `Failed to pull image "private_registery.mydomain/idrac_to_kafka:20250428T1620": rpc error: code = Canceled desc = failed to pull and unpack image "private_registery.mydomain/idrac_to_kafka:20250428T1620": failed to copy: httpReadSeeker: failed open: failed to do request: Get "https://private_registery.mydomain/v2/csg/idrac_to_kafka/blobs/sha256:d0157ca575c725b6dbdc6c7b843b8614963fda6ca619af9932bfbbb39c450c5a": context canceled`,
    ],
    [
      // projectcalico/calico#4323
      "scheduling",
      `0/131 nodes are available: 100 Insufficient cpu, 13 node(s) had taint {zzzOnly: true}, that the pod didn't tolerate, 18 node(s) had taint {yyyOnly: true}, that the pod didn't tolerate, 4 Insufficient memory.`,
    ],
    [
      // kubernetes/kubernetes#49880
      "volume mount, RBAC forbidden",
      `Couldn't get configMap kube-system/kube-dns: configmaps "kube-dns" is forbidden: User "system:node:127.0.0.1" cannot get configmaps in the namespace "kube-system".: "no path found to object"`,
    ],
    [
      // Constructed: a service-account token mount refused by the node authorizer ("serviceaccounts \"default\" is
      // forbidden"), in the kubelet's MountVolume wording seen in bitnami/charts#31347.
      "volume mount, service account forbidden",
      `MountVolume.SetUp failed for volume "kube-api-access-4xwxg" : serviceaccounts "default" is forbidden: User "system:node:worker-1" cannot create resource "serviceaccounts/token" in API group "" in the namespace "default": no relationship found between node 'worker-1' and this object`,
    ],
    [
      // bitnami/charts#31347
      "volume mount, disk full",
      `MountVolume.SetUp failed for volume "kube-api-access-4xwxg" : write /var/lib/kubelet/pods/a1353f7b-0123-49e6-85ed-aaabe5d09a69/volumes/kubernetes.io~projected/kube-api-access-4xwxg/..2025_01_14_07_19_56.263343095/ca.crt: no space left on device`,
    ],
  ];

  for (const [kind, message] of lookAlikes) {
    it(kind, () => {
      expect(classifyMessage(message)).toMatchObject({ family: "unknown", signature: null, phase: "none" });
    });
  }

  it("an unknown plugin error still reports what the wrapping says", () => {
    // projectcalico/calico#8180
    const message = `Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "3c8b059ce4c4cd7ae47eb9ebc8d1937afae2d0e23ec32cd3f4b9c464ab5d358d": plugin type="calico" failed (add): error adding host side routes for interface: calid29a1cadef5, error: route (Ifindex: 131, Dst: 172.25.136.1/32, Scope: link) already exists for an interface other than 'calid29a1cadef5': route (Ifindex: 12, Dst: 172.25.136.1/32, Scope: link, Iface: calif6cb5368383)`;
    expect(classifyMessage(message)).toMatchObject({
      family: "unknown",
      cni: "calico",
      phase: "add",
      runtime: "containerd",
    });
  });
});

describe("classifyMessage: robustness", () => {
  it("never throws on arbitrary strings and always returns a well-formed result", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 4000 }), (message) => {
        expectWellFormed(classifyMessage(message));
      }),
      { numRuns: 500 },
    );
  });

  it("never throws on random mixes of the markers it looks for", () => {
    const fragments = [
      'plugin type="',
      'calico"',
      ' name="',
      "failed (add): ",
      "failed (delete): ",
      '\\"',
      "\\\\\\",
      'failed to setup network for sandbox "',
      'networkPlugin cni failed to set up pod "',
      '" network: ',
      'error adding pod ns_pod to CNI network "k8s-pod-network": ',
      "failed to create pod network sandbox k8s_",
      "(",
      "): ",
      'failed to find plugin "',
      "in path [",
      "]",
      'User "system:serviceaccount:',
      ' resource "',
      " is forbidden",
      "https://",
      "dial tcp ",
      "connection is unauthorized: ",
      "Unauthorized",
      "(combined from similar events): ",
      "(x3 over 5m)",
      "Multus: [",
      "/",
      ":",
      "_",
      "\n",
      "\u009b",
      "“",
    ];
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...fragments), { maxLength: 200 }), (parts) => {
        expectWellFormed(classifyMessage(parts.join("")));
      }),
      { numRuns: 500 },
    );
  });

  it("caps adversarial repetitions at the input limit and says so", () => {
    const prefixes = [
      'plugin type="',
      '\\"',
      "failed (add): ",
      '\\\\\\"',
      "(combined from similar events): ",
      "x".repeat(7),
    ];
    fc.assert(
      fc.property(
        fc.constantFrom(...prefixes),
        fc.integer({ min: 1, max: 64 * 1024 }),
        (prefix, targetLength) => {
          const message = prefix.repeat(Math.ceil(targetLength / prefix.length));
          const result = classifyMessage(message);
          expectWellFormed(result);
          expect(result.truncated).toBe(message.length > MAX_MESSAGE_CHARS);
        },
      ),
      { numRuns: 60 },
    );
  });

  it("reads only the capped prefix: what follows the cap cannot change the result", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 2000 }), (tail) => {
        const padded = `${CALICO_UNAUTHORIZED} ${"x".repeat(MAX_MESSAGE_CHARS)}`;
        const { truncated: _a, ...withTail } = classifyMessage(padded + tail);
        const { truncated: _b, ...without } = classifyMessage(padded.slice(0, MAX_MESSAGE_CHARS));
        expect(withTail).toEqual(without);
      }),
      { numRuns: 50 },
    );
  });

  it("does work linear in the capped input, however adversarial (counted operations, not time)", () => {
    const fragments = [
      'plugin type="',
      'calico"',
      "failed (add): ",
      '\\"',
      "\\\\\\",
      "(x3 over 5m)",
      "(combined from similar events): ",
      "dial tcp ",
      "https://",
      'User "system:serviceaccount:',
      " is forbidden",
      'failed to setup network for sandbox "',
      "/",
      ":",
      " ",
      "\n",
    ];
    const input = fc.oneof(
      fc.string({ unit: "binary", maxLength: 20_000 }),
      fc.array(fc.constantFrom(...fragments), { maxLength: 8000 }).map((p) => p.join("")),
      fc
        .tuple(fc.constantFrom(...fragments), fc.integer({ min: 1, max: 64 * 1024 }))
        .map(([f, n]) => f.repeat(Math.ceil(n / f.length))),
    );
    fc.assert(
      fc.property(input, (message) => {
        const { result, operations } = countOperations(() => classifyMessage(message));
        expectWellFormed(result);
        // Measured: about one operation per character read at worst (a 64 KB repetition costs ~18,000). A quadratic
        // pass over the 16 KiB it reads would be in the hundreds of millions; past the cap the count stays flat.
        expect(operations).toBeLessThanOrEqual(4 * Math.min(message.length, MAX_MESSAGE_CHARS) + 500);
      }),
      { numRuns: 150 },
    );
  });

  it("does not throw when a JavaScript caller passes something that is not a string", () => {
    for (const value of [undefined, null, 42, {}, Symbol("x")]) {
      expect(classifyMessage(value as unknown as string).family).toBe("unknown");
    }
  });
});

describe("signature catalog", () => {
  it("has unique ids and one test file beside each signature", () => {
    const ids = signatures.map((s) => s.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) {
      const beside = new URL(`../../../src/diagnosis/message/signatures/${id}.test.ts`, import.meta.url);
      expect(existsSync(beside), `${id} needs ${id}.test.ts beside it`).toBe(true);
    }
  });

  it("covers every family except unknown", () => {
    const covered = new Set(signatures.map((s) => s.family));
    expect(FAMILIES.filter((f) => f !== "unknown" && !covered.has(f))).toEqual([]);
  });
});
