import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { calicoKubeconfigPath, parseCalicoKubeconfig } from "../../../src/cni/calico/kubeconfig.ts";
import {
  credentialStrings,
  findShadowing,
  parseCniConfig,
  runtimeConfigCandidates,
} from "../../../src/diagnosis/forensics/cni-config.ts";
import { redactEverywhere } from "../../../src/diagnosis/forensics/inspect-node.ts";
import type { ConfDirEntry } from "../../../src/diagnosis/forensics/inspection.ts";
import { certificateFingerprints, type SecretToken } from "../../../src/diagnosis/forensics/secrets.ts";
import { decodeTokenClaims, tokenFingerprint } from "../../../src/diagnosis/forensics/token-claims.ts";
import {
  CALICO_CONFLIST,
  CILIUM_CONFLIST,
  calicoKubeconfig,
  INSTALL_CNI_LINE,
  ISSUER,
  makeCa,
  signBoundToken,
  signLegacyToken,
} from "./fixtures.ts";

const entry = (name: string, type: ConfDirEntry["type"] = "file"): ConfDirEntry => ({
  name,
  sizeBytes: 100,
  modifiedAt: "2026-01-01T00:00:00.000Z",
  owner: "root",
  group: "root",
  mode: "0644",
  type,
});

describe("which CNI config the runtime uses", () => {
  it("takes .conf/.conflist/.json files in byte order and ignores everything else", () => {
    const names = runtimeConfigCandidates([
      entry("calico-kubeconfig"),
      entry("10-calico.conflist"),
      entry("05-cilium.conflist"),
      entry("87-podman-bridge.conflist.bak"),
      entry("99-loopback.conf"),
      entry("tuning.json"),
      entry("multus.d", "directory"),
      entry("10-Flannel.conflist"),
      entry("00-linked.conflist", "symlink"),
    ]);
    // Upper case sorts before lower case in byte order, as Go's sort.Strings does.
    expect(names).toEqual([
      "00-linked.conflist",
      "05-cilium.conflist",
      "10-Flannel.conflist",
      "10-calico.conflist",
      "99-loopback.conf",
      "tuning.json",
    ]);
  });

  it("reads plugin types from a real Calico conflist and a single-plugin .conf", () => {
    const calico = parseCniConfig("10-calico.conflist", CALICO_CONFLIST, false);
    expect(calico).toMatchObject({
      network: "k8s-pod-network",
      pluginTypes: ["calico", "portmap", "bandwidth"],
      cni: "calico",
      problem: null,
    });
    expect(calicoKubeconfigPath(CALICO_CONFLIST)).toBe("/etc/cni/net.d/calico-kubeconfig");
    const flannel = parseCniConfig(
      "10-flannel.conf",
      JSON.stringify({
        name: "cbr0",
        cniVersion: "0.3.1",
        type: "flannel",
        delegate: { isDefaultGateway: true },
      }),
      false,
    );
    expect(flannel).toMatchObject({ pluginTypes: ["flannel"], cni: "flannel" });
  });

  it("says what is wrong with unusable files instead of throwing", () => {
    expect(parseCniConfig("10-x.conflist", "{ not json", false).problem).toMatch(/not valid JSON/);
    expect(parseCniConfig("10-x.conflist", JSON.stringify({ name: "x" }), false).problem).toMatch(/plugins/);
    expect(parseCniConfig("10-x.conf", JSON.stringify({ name: "x" }), false).problem).toMatch(/no `type`/);
    expect(parseCniConfig("10-x.conf", "{}", true).problem).toMatch(/read limit/);
  });

  it("finds Calico's config shadowed by a leftover Cilium one", () => {
    const configs = [
      parseCniConfig("05-cilium.conflist", CILIUM_CONFLIST, false),
      parseCniConfig("10-calico.conflist", CALICO_CONFLIST, false),
    ];
    const analysis = findShadowing(configs, ["calico"]);
    expect(analysis.active?.cni).toBe("cilium");
    expect(analysis.shadowed.map((c) => c.name)).toEqual(["10-calico.conflist"]);
    expect(findShadowing(configs.slice(1), ["calico"]).shadowed).toEqual([]);
  });
});

describe("calico-kubeconfig", () => {
  it("parses both writers' headers, the server and the CA, and keeps the token out of every string form", async () => {
    const ca = await makeCa();
    const token = await signBoundToken({
      issuedAt: new Date(),
      expiresAt: new Date(Date.now() + 86_400_000),
    });
    const refreshed = parseCalicoKubeconfig(calicoKubeconfig({ caPem: ca.pem, token }));
    expect(refreshed.ok).toBe(true);
    if (!refreshed.ok) return;
    expect(refreshed.value.writer).toBe("calico-node-refresher");
    expect(refreshed.value.server).toBe("https://10.96.0.1:443");
    expect(certificateFingerprints(refreshed.value.caPem ?? "")).toEqual([ca.fingerprint]);
    const secret = refreshed.value.token as SecretToken;
    expect(secret.reveal()).toBe(token);
    for (const shown of [
      JSON.stringify(refreshed.value),
      String(secret),
      `${secret}`,
      inspect(refreshed.value),
    ]) {
      expect(shown).not.toContain(token);
    }

    const installed = parseCalicoKubeconfig(
      calicoKubeconfig({ header: INSTALL_CNI_LINE, caPem: ca.pem, token }),
    );
    expect(installed.ok && installed.value.writer).toBe("install-cni");
  });

  it("reports a broken file without quoting it (it may hold the token)", () => {
    const token = "eyJhbGciOiJSUzI1NiJ9.c2VjcmV0.c2ln";
    const result = parseCalicoKubeconfig(`apiVersion: v1\nusers: [ {token: ${token}\n`);
    expect(result).toMatchObject({
      ok: false,
      problem: expect.stringMatching(/^not valid YAML \(at line \d+, column \d+\)$/),
    });
    expect(JSON.stringify(result)).not.toContain("eyJ");
  });

  it("reports a config's JSON syntax error by position only, never quoting the file (a legacy conflist may hold a token)", () => {
    const token = "eyJhbGciOiJSUzI1NiJ9.c2VjcmV0.c2ln";
    // V8 quotes ~10 characters around an unexpected token: here, the start of the token itself.
    const unquoted = `{\n  "name": "k8s-pod-network",\n  "plugins": [{"type": "calico", "policy": {"type": "k8s", "k8s_auth_token": ${token}}}]\n}`;
    expect(() => JSON.parse(unquoted)).toThrow(/eyJhbGciOi/);
    const parsed = parseCniConfig("10-calico.conflist", unquoted, false);
    expect(parsed.problem).toBe("not valid JSON (syntax error at line 3, column 78)");
    expect(JSON.stringify(parsed)).not.toMatch(/eyJ|k8s_auth/);
    // Where V8 gives a position, the scanner agrees with it.
    const missingComma = `{\n  "name": "k8s-pod-network",\n  "plugins": [{"type": "calico", "policy": {"type": "k8s" "k8s_auth_token": "${token}"}}]\n}`;
    expect(() => JSON.parse(missingComma)).toThrow(/at position 89/);
    expect(parseCniConfig("10-calico.conflist", missingComma, false).problem).toBe(
      "not valid JSON (syntax error at line 3, column 59)",
    );
    expect(parseCniConfig("10-x.conflist", '{"a": "eyJabc', false).problem).toBe(
      "not valid JSON (it ends early, at line 1)",
    );
    expect(parseCniConfig("10-x.conflist", '{"a": 1}x', false).problem).toBe(
      "not valid JSON (syntax error at line 1, column 9)",
    );
  });

  it("finds a config's credential strings of any length, to redact them everywhere", () => {
    const legacy = JSON.stringify({
      plugins: [{ type: "calico", policy: { type: "k8s", k8s_auth_token: "abc" } }],
    });
    expect(credentialStrings(legacy)).toEqual(["abc"]);
    expect(credentialStrings("{ not json")).toEqual([]);
    expect(redactEverywhere({ a: ["xabcx"], b: "abcdef" }, ["abc", "abcdef"])).toEqual({
      a: ["x[redacted token]x"],
      b: "[redacted token]",
    });
  });

  it("fingerprints every certificate of a bundle, as kube-root-ca.crt holds during a CA rotation", async () => {
    const [a, b] = [await makeCa("kubernetes"), await makeCa("kubernetes-next")];
    expect(certificateFingerprints(`${a.pem}\n${b.pem}`)).toEqual([a.fingerprint, b.fingerprint]);
  });
});

describe("token claims (decoded, never verified)", () => {
  it("reads a bound TokenRequest token: issuer, service account, pod binding, times, key id", async () => {
    const token = await signBoundToken({
      namespace: "kube-system",
      serviceAccount: "calico-node",
      serviceAccountUid: "uid-sa-1",
      pod: { name: "calico-node-7xk2p", uid: "uid-pod-1" },
      issuedAt: new Date("2026-03-01T10:00:00Z"),
      expiresAt: new Date("2026-03-02T10:00:00Z"),
    });
    const decoded = decodeTokenClaims(token);
    expect(decoded).toEqual({
      ok: true,
      claims: {
        issuer: ISSUER,
        subject: "system:serviceaccount:kube-system:calico-node",
        audiences: [ISSUER],
        serviceAccount: { namespace: "kube-system", name: "calico-node", uid: "uid-sa-1" },
        pod: { name: "calico-node-7xk2p", uid: "uid-pod-1" },
        node: null,
        issuedAt: "2026-03-01T10:00:00.000Z",
        notBefore: "2026-03-01T10:00:00.000Z",
        expiresAt: "2026-03-02T10:00:00.000Z",
        keyId: "kid-test-1",
        algorithm: "RS256",
      },
    });
  });

  it("reads a legacy secret-based token, which has no expiry", async () => {
    const decoded = decodeTokenClaims(await signLegacyToken("uid-legacy"));
    expect(decoded.ok && decoded.claims).toMatchObject({
      issuer: "kubernetes/serviceaccount",
      serviceAccount: { namespace: "kube-system", name: "calico-node", uid: "uid-legacy" },
      expiresAt: null,
    });
  });

  it("rejects what is not a JWT with a fixed message, and fingerprints without revealing", () => {
    expect(decodeTokenClaims("opaque-static-token-value")).toEqual({
      ok: false,
      problem: "not a decodable JWT",
    });
    const fp = tokenFingerprint("opaque-static-token-value");
    expect(fp).toMatch(/^sha256:[0-9a-f]{16}$/);
    expect(fp).toBe(tokenFingerprint("opaque-static-token-value"));
  });
});
