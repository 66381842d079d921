/**
 * Pod Security admission, from the labels of the pod's namespace (`pod-security.kubernetes.io/enforce` and `warn`,
 * with `-version`; unlabelled means privileged, as kubeadm configures it). The checks and their texts are
 * kubernetes/kubernetes staging/src/k8s.io/pod-security-admission/policy/check_*.go; failing checks are listed in the
 * order of their IDs, as the evaluator does, and a refusal is the 403
 * `pods "x" is forbidden: violates PodSecurity "baseline:latest": host namespaces (hostNetwork=true), ...`.
 *
 * Modelled: host namespaces, hostPath volumes, host ports, privileged, capabilities, seccomp (baseline); privilege
 * escalation, restricted capabilities and volume types, runAsNonRoot, runAsUser, seccomp (restricted). Not modelled:
 * AppArmor, SELinux options, procMount, sysctls and Windows host processes (src/sim/README.md says so too).
 */
import type { KubeObject } from "../objects.ts";

type Level = "privileged" | "baseline" | "restricted";

interface Failure {
  id: string;
  reason: string;
  detail: string;
}

// biome-ignore lint/suspicious/noExplicitAny: pod specs are plain JSON here
type Json = any;

const BASELINE_CAPABILITIES = new Set([
  "AUDIT_WRITE",
  "CHOWN",
  "DAC_OVERRIDE",
  "FOWNER",
  "FSETID",
  "KILL",
  "MKNOD",
  "NET_BIND_SERVICE",
  "SETFCAP",
  "SETGID",
  "SETPCAP",
  "SETUID",
  "SYS_CHROOT",
]);
const RESTRICTED_VOLUME_TYPES = new Set([
  "configMap",
  "csi",
  "downwardAPI",
  "emptyDir",
  "ephemeral",
  "persistentVolumeClaim",
  "projected",
  "secret",
]);

export interface PodSecurityVerdict {
  /** The refusal message, when the enforce level refuses the pod. */
  refusal?: string;
  /** `would violate PodSecurity ...` texts for the warn level. */
  warnings: string[];
}

export function evaluatePodSecurity(namespace: KubeObject | undefined, pod: Json): PodSecurityVerdict {
  const labels: Record<string, string> = namespace?.metadata.labels ?? {};
  const verdict: PodSecurityVerdict = { warnings: [] };
  const enforce = levelOf(labels["pod-security.kubernetes.io/enforce"]);
  const enforceVersion = labels["pod-security.kubernetes.io/enforce-version"] ?? "latest";
  const failed = failures(enforce, pod);
  if (failed.length > 0)
    verdict.refusal = `violates PodSecurity "${enforce}:${enforceVersion}": ${render(failed)}`;
  const warn = levelOf(labels["pod-security.kubernetes.io/warn"]);
  const warnVersion = labels["pod-security.kubernetes.io/warn-version"] ?? "latest";
  const warned = failures(warn, pod);
  if (warned.length > 0)
    verdict.warnings.push(`would violate PodSecurity "${warn}:${warnVersion}": ${render(warned)}`);
  return verdict;
}

function levelOf(label: string | undefined): Level {
  return label === "baseline" || label === "restricted" ? label : "privileged";
}

function render(failed: Failure[]): string {
  return failed.map((f) => (f.detail ? `${f.reason} (${f.detail})` : f.reason)).join(", ");
}

function failures(level: Level, pod: Json): Failure[] {
  if (level === "privileged") return [];
  const checks = level === "restricted" ? RESTRICTED_CHECKS : BASELINE_CHECKS;
  return checks.flatMap((check) => check(pod) ?? []).sort((a, b) => a.id.localeCompare(b.id));
}

type Check = (pod: Json) => Failure | undefined;

const containersOf = (pod: Json): Json[] => [
  ...(pod.spec?.initContainers ?? []),
  ...(pod.spec?.containers ?? []),
  ...(pod.spec?.ephemeralContainers ?? []),
];
const plural = (one: string, many: string, n: number) => (n === 1 ? one : many);
const quoted = (names: string[]) => names.map((n) => `"${n}"`).join(", ");
/** `container "a"` / `containers "a", "b"`, with the verb agreeing. */
const containersPhrase = (names: string[], verbOne: string, verbMany: string) =>
  `${plural("container", "containers", names.length)} ${quoted(names)} ${plural(verbOne, verbMany, names.length)}`;

const hostNamespaces: Check = (pod) => {
  const set = ["hostNetwork", "hostPID", "hostIPC"]
    .filter((k) => pod.spec?.[k] === true)
    .map((k) => `${k}=true`);
  return set.length ? { id: "hostNamespaces", reason: "host namespaces", detail: set.join(", ") } : undefined;
};

const hostPathVolumes: Check = (pod) => {
  const names = (pod.spec?.volumes ?? []).filter((v: Json) => v.hostPath).map((v: Json) => v.name as string);
  return names.length
    ? {
        id: "hostPathVolumes",
        reason: "hostPath volumes",
        detail: `${plural("volume", "volumes", names.length)} ${quoted(names)}`,
      }
    : undefined;
};

const hostPorts: Check = (pod) => {
  const bad: string[] = [];
  const ports: string[] = [];
  for (const c of containersOf(pod)) {
    const used = (c.ports ?? [])
      .filter((p: Json) => (p.hostPort ?? 0) !== 0)
      .map((p: Json) => String(p.hostPort));
    if (used.length) {
      bad.push(c.name);
      ports.push(...used);
    }
  }
  if (!bad.length) return undefined;
  const detail = `${containersPhrase(bad, "uses", "use")} ${plural("hostPort", "hostPorts", ports.length)} ${ports.join(", ")}`;
  return { id: "hostPorts", reason: "hostPort", detail };
};

const privileged: Check = (pod) => {
  const bad = containersOf(pod)
    .filter((c) => c.securityContext?.privileged === true)
    .map((c) => c.name as string);
  return bad.length
    ? {
        id: "privileged",
        reason: "privileged",
        detail: `${containersPhrase(bad, "must", "must")} not set securityContext.privileged=true`,
      }
    : undefined;
};

const capabilitiesBaseline: Check = (pod) => {
  const bad: string[] = [];
  const caps = new Set<string>();
  for (const c of containersOf(pod)) {
    const extra = (c.securityContext?.capabilities?.add ?? []).filter(
      (cap: string) => !BASELINE_CAPABILITIES.has(cap),
    );
    if (extra.length) {
      bad.push(c.name);
      for (const cap of extra) caps.add(cap);
    }
  }
  if (!bad.length) return undefined;
  const detail = `${containersPhrase(bad, "must", "must")} not include ${quoted([...caps])} in securityContext.capabilities.add`;
  return { id: "capabilities_baseline", reason: "non-default capabilities", detail };
};

const seccompBaseline: Check = (pod) => {
  const unconfined = (sc: Json) => sc?.seccompProfile?.type === "Unconfined";
  const bad = containersOf(pod)
    .filter((c) => unconfined(c.securityContext))
    .map((c) => c.name as string);
  const parts: string[] = [];
  if (unconfined(pod.spec?.securityContext))
    parts.push('pod must not set securityContext.seccompProfile.type to "Unconfined"');
  if (bad.length)
    parts.push(
      `${containersPhrase(bad, "must", "must")} not set securityContext.seccompProfile.type to "Unconfined"`,
    );
  return parts.length
    ? { id: "seccompProfile_baseline", reason: "seccompProfile", detail: parts.join("; ") }
    : undefined;
};

const allowPrivilegeEscalation: Check = (pod) => {
  const bad = containersOf(pod)
    .filter((c) => c.securityContext?.allowPrivilegeEscalation !== false)
    .map((c) => c.name as string);
  return bad.length
    ? {
        id: "allowPrivilegeEscalation",
        reason: "allowPrivilegeEscalation != false",
        detail: `${containersPhrase(bad, "must", "must")} set securityContext.allowPrivilegeEscalation=false`,
      }
    : undefined;
};

const capabilitiesRestricted: Check = (pod) => {
  const notDropping: string[] = [];
  const adding: string[] = [];
  const added = new Set<string>();
  for (const c of containersOf(pod)) {
    const caps = c.securityContext?.capabilities ?? {};
    if (!(caps.drop ?? []).includes("ALL")) notDropping.push(c.name);
    const extra = (caps.add ?? []).filter((cap: string) => cap !== "NET_BIND_SERVICE");
    if (extra.length) {
      adding.push(c.name);
      for (const cap of extra) added.add(cap);
    }
  }
  const parts: string[] = [];
  if (notDropping.length)
    parts.push(
      `${containersPhrase(notDropping, "must", "must")} set securityContext.capabilities.drop=["ALL"]`,
    );
  if (adding.length)
    parts.push(
      `${containersPhrase(adding, "must", "must")} not include ${quoted([...added])} in securityContext.capabilities.add`,
    );
  return parts.length
    ? { id: "capabilities_restricted", reason: "unrestricted capabilities", detail: parts.join("; ") }
    : undefined;
};

const restrictedVolumes: Check = (pod) => {
  const byType = new Map<string, string[]>();
  for (const v of pod.spec?.volumes ?? []) {
    const type = Object.keys(v).find((k) => k !== "name");
    if (type && !RESTRICTED_VOLUME_TYPES.has(type)) byType.set(type, [...(byType.get(type) ?? []), v.name]);
  }
  if (!byType.size) return undefined;
  const names = [...byType.values()].flat();
  const types = [...byType.keys()];
  const detail = `${plural("volume", "volumes", names.length)} ${quoted(names)} ${plural("uses", "use", names.length)} ${plural("restricted volume type", "restricted volume types", types.length)} ${quoted(types)}`;
  return { id: "restrictedVolumes", reason: "restricted volume types", detail };
};

const runAsNonRoot: Check = (pod) => {
  const podSets = pod.spec?.securityContext?.runAsNonRoot;
  if (podSets === false)
    return {
      id: "runAsNonRoot",
      reason: "runAsNonRoot != true",
      detail: "pod must not set securityContext.runAsNonRoot=false",
    };
  const bad = containersOf(pod)
    .filter((c) => (c.securityContext?.runAsNonRoot ?? podSets) !== true)
    .map((c) => c.name as string);
  if (!bad.length) return undefined;
  const who =
    podSets === true
      ? containersPhrase(bad, "must", "must")
      : `pod or ${containersPhrase(bad, "must", "must")}`;
  return {
    id: "runAsNonRoot",
    reason: "runAsNonRoot != true",
    detail: `${who} set securityContext.runAsNonRoot=true`,
  };
};

const runAsUser: Check = (pod) => {
  const parts: string[] = [];
  if (pod.spec?.securityContext?.runAsUser === 0) parts.push("pod must not set runAsUser=0");
  const bad = containersOf(pod)
    .filter((c) => c.securityContext?.runAsUser === 0)
    .map((c) => c.name as string);
  if (bad.length) parts.push(`${containersPhrase(bad, "must", "must")} not set runAsUser=0`);
  return parts.length ? { id: "runAsUser", reason: "runAsUser=0", detail: parts.join("; ") } : undefined;
};

const seccompRestricted: Check = (pod) => {
  const allowed = (sc: Json) => ["RuntimeDefault", "Localhost"].includes(sc?.seccompProfile?.type);
  const podAllowed = allowed(pod.spec?.securityContext);
  const bad = containersOf(pod)
    .filter((c) => !(c.securityContext?.seccompProfile ? allowed(c.securityContext) : podAllowed))
    .map((c) => c.name as string);
  if (!bad.length) return undefined;
  const who = podAllowed
    ? containersPhrase(bad, "must", "must")
    : `pod or ${containersPhrase(bad, "must", "must")}`;
  return {
    id: "seccompProfile_restricted",
    reason: "seccompProfile",
    detail: `${who} set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"`,
  };
};

const BASELINE_CHECKS: Check[] = [
  hostNamespaces,
  hostPathVolumes,
  hostPorts,
  privileged,
  capabilitiesBaseline,
  seccompBaseline,
];
/** Restricted adds its checks; three replace their baseline counterparts (their OverrideCheckIDs). */
const RESTRICTED_CHECKS: Check[] = [
  hostNamespaces,
  hostPorts,
  privileged,
  allowPrivilegeEscalation,
  capabilitiesRestricted,
  restrictedVolumes,
  runAsNonRoot,
  runAsUser,
  seccompRestricted,
];
