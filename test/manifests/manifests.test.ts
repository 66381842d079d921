/**
 * The manifests render with the real `kubectl kustomize` (1.32) and say what they promise: the hardened two-replica
 * Deployment on the host network (it must run while the pod network is broken) wired to the ConfigMaps and the Secret,
 * the namespaces' Pod Security levels, settings the bot's own config validation accepts, and a Secret template
 * holding no real value.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { loadConfig, loadSlackSettings } from "../../src/config.ts";
import { loadInventory } from "../../src/nodes/index.ts";
import { type Manifest, REPO_ROOT, renderManifests } from "./bot-flows.ts";

const rendered = renderManifests();
const one = (kind: string, name?: string): Manifest => {
  const found = rendered.filter(
    (m) => m.kind === kind && (name === undefined || m.metadata.name.startsWith(name)),
  );
  expect(found.length, `${kind} ${name ?? ""}`).toBe(1);
  return found[0] as Manifest;
};

describe("kubectl kustomize manifests/", () => {
  it("renders the namespaces, priority class, identity, RBAC, config and Deployment, and no Secret", () => {
    const kinds = rendered.map((m) => m.kind).sort();
    expect(new Set(kinds)).toEqual(
      new Set([
        "Namespace",
        "ServiceAccount",
        "ClusterRole",
        "ClusterRoleBinding",
        "Role",
        "RoleBinding",
        "ConfigMap",
        "Deployment",
        "PriorityClass",
      ]),
    );
    // Applying the manifests must never overwrite the real credentials with the template's placeholders.
    expect(kinds).not.toContain("Secret");
    const clusterScoped = new Set(["Namespace", "ClusterRole", "ClusterRoleBinding", "PriorityClass"]);
    // Everything namespaced is in the bot's namespace, but for the Roles that must live elsewhere.
    for (const m of rendered.filter((r) => !clusterScoped.has(r.kind))) {
      const elsewhere =
        m.kind.startsWith("Role") &&
        ["kube-system", "default", "cni-doctor-nodes"].includes(m.metadata.namespace ?? "");
      if (!elsewhere) expect(m.metadata.namespace, `${m.kind} ${m.metadata.name}`).toBe("cni-doctor");
    }
  });

  describe("the Deployment", () => {
    const deployment = one("Deployment", "cni-doctor");
    const pod = deployment.spec.template.spec;
    const container = pod.containers[0];

    it("runs two replicas as the bot's ServiceAccount", () => {
      expect(deployment.spec.replicas).toBe(2);
      expect(pod.serviceAccountName).toBe("cni-doctor");
      expect(pod.containers).toHaveLength(1);
      expect(container.image).toBe("cni-doctor:0.1.0");
      expect(container.args).toEqual(["serve"]);
    });

    it("is restricted but for the host network: non-root, read-only root, no escalation, RuntimeDefault seccomp, no capabilities", () => {
      expect(pod.securityContext).toMatchObject({
        runAsNonRoot: true,
        runAsUser: 10001,
        seccompProfile: { type: "RuntimeDefault" },
      });
      expect(container.securityContext).toEqual({
        allowPrivilegeEscalation: false,
        privileged: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ["ALL"] },
      });
      expect(pod.hostPID ?? false).toBe(false);
      expect(pod.hostIPC ?? false).toBe(false);
      expect(pod.volumes.some((v: { hostPath?: unknown }) => v.hostPath)).toBe(false);
      // Host network is the one exception, and the reason its namespace is "privileged": see the next test.
      expect(pod.hostNetwork).toBe(true);
    });

    it("runs while the pod network and cluster DNS are down: host network, the node's resolver, its priority class", () => {
      expect(pod.dnsPolicy).toBe("Default");
      expect(pod.priorityClassName).toBe(one("PriorityClass").metadata.name);
      const tolerated = pod.tolerations.map((t: { key: string; effect: string }) => `${t.key}:${t.effect}`);
      expect(tolerated).toEqual(
        expect.arrayContaining([
          "node-role.kubernetes.io/control-plane:NoSchedule",
          "node.kubernetes.io/not-ready:NoSchedule",
          "node.kubernetes.io/network-unavailable:NoSchedule",
        ]),
      );
      const levels = Object.fromEntries(
        rendered
          .filter((m) => m.kind === "Namespace")
          .map((m) => [m.metadata.name, m.metadata.labels?.["pod-security.kubernetes.io/enforce"]]),
      );
      // Only "privileged" admits host namespaces (and, for the node agents, hostPath and uid 0).
      expect(levels).toEqual({ "cni-doctor": "privileged", "cni-doctor-nodes": "privileged" });
    });

    it("has requests, limits, and liveness /healthz and readiness /readyz on the serve port", () => {
      expect(container.resources.requests).toMatchObject({
        cpu: expect.any(String),
        memory: expect.any(String),
      });
      expect(container.resources.limits).toMatchObject({
        cpu: expect.any(String),
        memory: expect.any(String),
      });
      const port = container.ports.find((p: { name: string }) => p.name === "http");
      const env = Object.fromEntries(
        container.env
          .filter((e: { value?: string }) => e.value !== undefined)
          .map((e: { name: string; value: string }) => [e.name, e.value]),
      );
      expect(String(port.containerPort)).toBe(env.PORT);
      expect(container.livenessProbe.httpGet).toEqual({ path: "/healthz", port: "http" });
      expect(container.readinessProbe.httpGet).toEqual({ path: "/readyz", port: "http" });
    });

    it("takes settings from the policy ConfigMap and the Slack tokens from the Secret", () => {
      const policy = one("ConfigMap", "cni-doctor-policy");
      expect(container.envFrom).toEqual([{ configMapRef: { name: policy.metadata.name } }]);
      const fromSecret = container.env
        .filter((e: { valueFrom?: { secretKeyRef?: unknown } }) => e.valueFrom?.secretKeyRef)
        .map((e: { name: string; valueFrom: { secretKeyRef: { name: string; key: string } } }) => [
          e.name,
          e.valueFrom.secretKeyRef.name,
          e.valueFrom.secretKeyRef.key,
        ]);
      expect(fromSecret).toEqual([
        ["SLACK_BOT_TOKEN", "cni-doctor", "SLACK_BOT_TOKEN"],
        ["SLACK_APP_TOKEN", "cni-doctor", "SLACK_APP_TOKEN"],
        ["SLACK_SIGNING_SECRET", "cni-doctor", "SLACK_SIGNING_SECRET"],
      ]);
    });

    it("mounts the nodes file, the SSH key and known_hosts read-only, and an emptyDir at /tmp", () => {
      const mounts = Object.fromEntries(
        container.volumeMounts.map((m: { name: string; mountPath: string; readOnly?: boolean }) => [
          m.mountPath,
          { name: m.name, readOnly: m.readOnly ?? false },
        ]),
      );
      expect(mounts).toEqual({
        "/etc/cni-doctor/nodes": { name: "nodes", readOnly: true },
        "/etc/cni-doctor/ssh": { name: "ssh", readOnly: true },
        "/tmp": { name: "tmp", readOnly: false },
      });
      const volumes = Object.fromEntries(pod.volumes.map((v: { name: string }) => [v.name, v]));
      expect(volumes.ssh.secret).toMatchObject({
        secretName: "cni-doctor",
        items: [
          { key: "id_ed25519", path: "id_ed25519" },
          { key: "known_hosts", path: "known_hosts" },
        ],
      });
      // Readable by the owner and the pod's fsGroup, never world-readable, never writable.
      expect(volumes.ssh.secret.defaultMode & 0o337).toBe(0);
      expect(volumes.nodes.configMap.name).toBe(one("ConfigMap", "cni-doctor-nodes").metadata.name);
      expect(volumes.tmp.emptyDir).toBeDefined();
    });
  });

  it("the policy ConfigMap holds only settings src/config.ts knows, and they validate", () => {
    const data: Record<string, string> = one("ConfigMap", "cni-doctor-policy").data;
    const configSource = readFileSync(join(REPO_ROOT, "src/config.ts"), "utf8");
    for (const key of Object.keys(data)) expect(configSource, key).toMatch(new RegExp(`\\b${key}:`));
    const config = loadConfig(data);
    expect(config.nodesFile).toBe("/etc/cni-doctor/nodes/nodes.yaml");
    expect(config.remediation.namespace).toBe("cni-doctor");
  });

  it("the nodes file is a valid inventory pointing at the mounted key and known_hosts", async () => {
    const nodes = one("ConfigMap", "cni-doctor-nodes");
    expect(Object.keys(nodes.data)).toEqual(["nodes.yaml"]);
    const inventory = await loadInventory(join(REPO_ROOT, "manifests/config/nodes.yaml"));
    expect(inventory).toBeDefined();
    const parsed = parseYaml(nodes.data["nodes.yaml"]);
    expect(parsed.defaults).toMatchObject({
      privateKeyPath: "/etc/cni-doctor/ssh/id_ed25519",
      knownHostsPath: "/etc/cni-doctor/ssh/known_hosts",
    });
  });
});

/** A template's placeholders replaced by values of the right shape, as someone following it would. */
function filledIn(values: Record<string, string>): Record<string, string> {
  const plausible: Record<string, string> = {
    SLACK_BOT_TOKEN: "xoxb-1-2-abc",
    SLACK_APP_TOKEN: "xapp-1-A1-2-abc",
    SLACK_SIGNING_SECRET: "0123456789abcdef0123",
  };
  return Object.fromEntries(Object.keys(values).map((k) => [k, plausible[k] ?? "?"]));
}

describe("the Secret templates, one per Slack mode", () => {
  const container = one("Deployment", "cni-doctor").spec.template.spec.containers[0];
  const required = container.env
    .filter((e: { valueFrom?: { secretKeyRef?: { optional?: boolean } } }) => e.valueFrom?.secretKeyRef)
    .filter(
      (e: { valueFrom: { secretKeyRef: { optional?: boolean } } }) => !e.valueFrom.secretKeyRef.optional,
    )
    .map((e: { valueFrom: { secretKeyRef: { key: string } } }) => e.valueFrom.secretKeyRef.key);
  const modes = [
    {
      file: "secret.socket-mode.template.yaml",
      keys: ["SLACK_BOT_TOKEN", "SLACK_APP_TOKEN"],
      mode: "socket",
    },
    { file: "secret.http.template.yaml", keys: ["SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"], mode: "http" },
  ];
  for (const { file, keys, mode } of modes) {
    const template = parseYaml(readFileSync(join(REPO_ROOT, "manifests", file), "utf8"));
    it(`${file}: only the keys ${mode} mode needs, each a marked placeholder and nothing real`, () => {
      expect(template).toMatchObject({
        kind: "Secret",
        metadata: { name: "cni-doctor", namespace: "cni-doctor" },
      });
      expect(template.data).toBeUndefined();
      const values: Record<string, string> = template.stringData;
      expect(Object.keys(values).sort()).toEqual([...keys].sort());
      for (const key of required)
        expect(Object.keys(values), `the Deployment requires ${key}`).toContain(key);
      for (const [key, value] of Object.entries(values)) {
        expect(value.trim().startsWith("REPLACE_ME"), key).toBe(true);
        expect(value).not.toMatch(/xox[bpa]-|xapp-|PRIVATE KEY|ssh-ed25519 AAAA/);
      }
    });
    it(`${file}: filled in, it is what the bot needs to start in ${mode} mode`, () => {
      const slack = loadSlackSettings(filledIn(template.stringData));
      expect(slack.appToken !== undefined ? "socket" : "http").toBe(mode);
    });
  }
});

describe("overlays/multi-cluster", () => {
  const overlay = renderManifests("overlays/multi-cluster");
  const deployment = overlay.find((m) => m.kind === "Deployment") as Manifest;
  const pod = deployment.spec.template.spec;
  const container = pod.containers[0];
  const env = Object.fromEntries(
    container.env
      .filter((e: { value?: string }) => e.value !== undefined)
      .map((e: { name: string; value: string }) => [e.name, e.value]),
  );

  it("renders the base unchanged but for the Deployment", () => {
    const names = (list: Manifest[]) => list.map((m) => `${m.kind}/${m.metadata.name}`).sort();
    expect(names(overlay)).toEqual(names(rendered));
    for (const m of overlay.filter((o) => o.kind !== "Deployment"))
      expect(m, `${m.kind} ${m.metadata.name}`).toEqual(
        rendered.find((r) => r.kind === m.kind && r.metadata.name === m.metadata.name),
      );
  });

  it("mounts the kubeconfig Secret read-only where KUBECONFIG points, and keeps the base's mounts and env", () => {
    const mount = container.volumeMounts.find((m: { name: string }) => m.name === "kubeconfig");
    expect(mount).toEqual({ name: "kubeconfig", mountPath: "/etc/cni-doctor/kubeconfig", readOnly: true });
    const volume = pod.volumes.find((v: { name: string }) => v.name === "kubeconfig");
    expect(volume.secret.secretName).toBe("cni-doctor-kubeconfig");
    expect(volume.secret.defaultMode & 0o337).toBe(0);
    const [item] = volume.secret.items;
    expect(env.KUBECONFIG).toBe(`${mount.mountPath}/${item.path}`);
    const base = one("Deployment", "cni-doctor").spec.template.spec;
    for (const m of base.containers[0].volumeMounts) expect(container.volumeMounts).toContainEqual(m);
    for (const e of base.containers[0].env) expect(container.env).toContainEqual(e);
    expect(container.envFrom).toEqual(base.containers[0].envFrom);
  });

  it("sets the contexts the bot may use, in a form its settings accept", () => {
    const slack = loadSlackSettings({ ...env, SLACK_BOT_TOKEN: "xoxb-1", SLACK_APP_TOKEN: "xapp-1" });
    expect(slack.clusters).toEqual(["prod", "staging"]);
    expect(slack.channelClusters).toEqual({});
  });
});

describe("Dockerfile", () => {
  const dockerfile = readFileSync(join(REPO_ROOT, "Dockerfile"), "utf8");
  const runAsUser = one("Deployment").spec.template.spec.securityContext.runAsUser;

  it("builds on Node 26 slim, installs production dependencies only, and runs `serve` as the manifests' numeric user", () => {
    expect(dockerfile).toMatch(/^ARG NODE_IMAGE=node:26-bookworm-slim$/m);
    expect(dockerfile.match(/^FROM /gm)?.length).toBe(2);
    expect(dockerfile).toMatch(/npm ci --omit=dev/);
    expect(dockerfile).toMatch(new RegExp(`^USER ${runAsUser}:${runAsUser}$`, "m"));
    // The young generation capped (why: the Dockerfile's comment; the benchmarks start `serve` with these flags).
    expect(dockerfile).toMatch(/^ENTRYPOINT \["node", "--max-semi-space-size=2", "bin\/cni-doctor.js"\]$/m);
    expect(dockerfile).toMatch(/^CMD \["serve"\]$/m);
    // The package's own pin of Node is a devDependency: the image must not rely on it.
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8"));
    expect(pkg.dependencies.node).toBeUndefined();
  });
});
