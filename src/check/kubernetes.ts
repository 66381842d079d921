/**
 * The cluster side of `check`: the API server answers (and its version), the bot's namespaces exist with the Pod
 * Security level their pods need, and every operation of operations.ts is allowed (a SelfSubjectAccessReview each;
 * creates also tried with dryRun=All, so admission — Pod Security, PriorityClass, the namespace — has its say too).
 */

import type { AccessReviewer, DryRunWrite, ServerFacts } from "../kube/access-review.ts";
import { KubeAccessError } from "../kube/errors.ts";
import { agentPodManifest } from "../kube/node-agent-pods.ts";
import { type CheckLine, fail, pass } from "./model.ts";
import {
  accessQuestion,
  BOT_OPERATIONS,
  type BotOperation,
  describeOperation,
  type Namespaces,
  RBAC_MANIFEST,
} from "./operations.ts";

export interface KubernetesCheckInput {
  reviewer: AccessReviewer;
  namespaces: Namespaces;
  /** The identity the bot runs as, for the fix lines, e.g. system:serviceaccount:cni-doctor:cni-doctor. */
  subject: string;
  /** What the dry-run agent pod looks like (the configured image, PriorityClass, deadline). */
  agentPod: {
    image: string;
    priorityClassName: string | undefined;
    deadlineSeconds: number;
    backupRoot: string;
  };
  /** A node to aim dry-run writes at (agent pod, Node Event); none: those writes are asked about only. */
  sampleNode: { name: string; uid: string | undefined } | undefined;
}

const POD_SECURITY_ENFORCE = "pod-security.kubernetes.io/enforce";

/** The API server answers; its version. Returns the facts for the clock check, or undefined when it did not answer. */
export async function checkApiServer(
  reviewer: AccessReviewer,
  server: string,
): Promise<{ line: CheckLine; facts: ServerFacts | undefined }> {
  try {
    const facts = await reviewer.serverFacts();
    return {
      line: pass(
        "kubernetes",
        "api-server",
        `API server ${server} answers: Kubernetes ${facts.gitVersion} (${facts.platform})`,
      ),
      facts,
    };
  } catch (err) {
    const message = (err as Error).message;
    return {
      line: fail(
        "kubernetes",
        "api-server",
        `API server ${server} does not answer: ${message}`,
        "check the kubeconfig's server and credentials, and the network path (kubectl get --raw /version)",
      ),
      facts: undefined,
    };
  }
}

/** Each of the bot's namespaces exists with `enforce: privileged` (host network, hostPath, root in agent pods). */
export async function checkNamespaces(input: KubernetesCheckInput): Promise<CheckLine[]> {
  const wanted = [
    { name: input.namespaces.bot, why: "the bot runs on the host network; journal and Lease live here" },
    { name: input.namespaces.nodeAgents, why: "agent pods use the host network, hostPath and uid 0" },
  ];
  const lines: CheckLine[] = [];
  for (const ns of wanted) {
    const id = `namespace:${ns.name}`;
    const look = await input.reviewer.namespace(ns.name).catch((err: Error) => err);
    if (look instanceof Error) {
      lines.push(
        fail(
          "kubernetes",
          id,
          `namespace ${ns.name} could not be read: ${look.message}`,
          "kubectl apply -k manifests/",
        ),
      );
    } else if (look.exists === "forbidden") {
      lines.push(
        fail(
          "kubernetes",
          id,
          `namespace ${ns.name} may not be read: ${look.message}`,
          `grant get on namespaces/${ns.name} (${RBAC_MANIFEST}); kubectl apply -k manifests/`,
        ),
      );
    } else if (look.exists === false) {
      lines.push(
        fail(
          "kubernetes",
          id,
          `namespace ${ns.name} does not exist (${ns.why})`,
          "kubectl apply -k manifests/ (manifests/namespace.yaml)",
        ),
      );
    } else if (look.labels[POD_SECURITY_ENFORCE] !== "privileged") {
      const has = look.labels[POD_SECURITY_ENFORCE];
      lines.push(
        fail(
          "kubernetes",
          id,
          `namespace ${ns.name} has ${has === undefined ? `no ${POD_SECURITY_ENFORCE} label (the cluster's default level applies)` : `${POD_SECURITY_ENFORCE}=${has}`}; its pods need privileged (${ns.why})`,
          `kubectl label --overwrite namespace ${ns.name} ${POD_SECURITY_ENFORCE}=privileged`,
        ),
      );
    } else {
      lines.push(pass("kubernetes", id, `namespace ${ns.name} exists, ${POD_SECURITY_ENFORCE}=privileged`));
    }
  }
  return lines;
}

/** One line per operation: allowed (and, for creates, admitted in a dry run), or what grants it. */
export async function checkPermissions(input: KubernetesCheckInput): Promise<CheckLine[]> {
  return Promise.all(BOT_OPERATIONS.map((op) => checkOperation(input, op)));
}

async function checkOperation(input: KubernetesCheckInput, op: BotOperation): Promise<CheckLine> {
  const what = describeOperation(op, input.namespaces);
  const id = `permission:${what}`;
  const grant = `${RBAC_MANIFEST}:${op.grantedAt.line}`;
  let answer: Awaited<ReturnType<AccessReviewer["review"]>>;
  try {
    answer = await input.reviewer.review(accessQuestion(op, input.namespaces));
  } catch (err) {
    return fail(
      "permissions",
      id,
      `${what}: could not ask (${(err as Error).message})`,
      "check that the API server answers and serves authorization.k8s.io/v1",
    );
  }
  if (!answer.allowed) {
    return fail(
      "permissions",
      id,
      `${what} is not allowed for ${input.subject} (${op.usedBy}); ${op.grantedAt.role} grants it at ${grant}`,
      `kubectl apply -k manifests/ (the rule at ${grant})`,
    );
  }
  const write = op.dryRun ? dryRunWrite(op.dryRun, input) : undefined;
  if (!write) return pass("permissions", id, `${what} (${op.usedBy})`);
  try {
    await input.reviewer.dryRunCreate(write);
    return pass("permissions", id, `${what} (${op.usedBy}; admitted in a dry run)`);
  } catch (err) {
    const message = err instanceof KubeAccessError ? err.message : String(err);
    return fail(
      "permissions",
      id,
      `${what} is allowed but the API server refused it in a dry run: ${message}`,
      admissionFix(op, message),
    );
  }
}

function admissionFix(op: BotOperation, message: string): string {
  if (/PodSecurity/.test(message))
    return "label the agents' namespace pod-security.kubernetes.io/enforce=privileged (manifests/namespace.yaml)";
  if (/PriorityClass/.test(message))
    return "kubectl apply -k manifests/ (manifests/priorityclass.yaml), or unset CNI_DOCTOR_NODE_AGENT_PRIORITY_CLASS";
  if (/namespaces? "?[a-z0-9-]+"? not found/.test(message))
    return "kubectl apply -k manifests/ (manifests/namespace.yaml)";
  return `see the API server's message; the rule is at ${RBAC_MANIFEST}:${op.grantedAt.line}`;
}

const CHECK_NAME = `cni-doctor-check-${Date.now().toString(36)}`;

function dryRunWrite(
  kind: NonNullable<BotOperation["dryRun"]>,
  input: KubernetesCheckInput,
): DryRunWrite | undefined {
  const ns = input.namespaces;
  const labels = { "app.kubernetes.io/name": "cni-doctor", "app.kubernetes.io/component": "check" };
  if (kind === "configmap")
    return { kind, namespace: ns.bot, body: { metadata: { name: CHECK_NAME, labels }, data: {} } };
  if (kind === "lease")
    return {
      kind,
      namespace: ns.bot,
      body: { metadata: { name: CHECK_NAME, labels }, spec: { holderIdentity: "cni-doctor-check" } },
    };
  const node = input.sampleNode;
  if (!node) return undefined;
  if (kind === "event") {
    return {
      kind,
      namespace: "default",
      body: {
        metadata: { name: `${node.name}.${CHECK_NAME}`, namespace: "default" },
        involvedObject: { kind: "Node", name: node.name, ...(node.uid ? { uid: node.uid } : {}) },
        reason: "CNIDoctorCheck",
        message: "cni-doctor check (dry run, never stored)",
        type: "Normal",
        source: { component: "cni-doctor" },
      },
    };
  }
  const settings = { namespace: ns.nodeAgents, ...input.agentPod, startTimeoutMs: 1, requestTimeoutMs: 1 };
  const request = {
    node: node.name,
    mode: "write" as const,
    cniConfDir: "/etc/cni/net.d",
    backupRoot: input.agentPod.backupRoot,
  };
  return { kind, namespace: ns.nodeAgents, body: agentPodManifest(request, settings, "check", CHECK_NAME) };
}
