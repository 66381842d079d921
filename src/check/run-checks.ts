/**
 * Runs every check of `cni-doctor check` against one cluster (and Slack, when configured) and returns the report.
 * Read-only throughout: lists and gets, SelfSubjectAccessReviews, creates tried with dryRun=All, and the read-only
 * `date` template on one node of each kind (whose agent pod is the one object it creates, and deletes).
 */
import type { Config } from "../config.ts";
import { createAccessReviewer } from "../kube/access-review.ts";
import type { LoadedCluster } from "../kube/cluster-config.ts";
import { createClusterReader } from "../kube/reader.ts";
import type { V1Node } from "../kube/types.ts";
import type { NodeReader } from "../nodes/node-reader.ts";
import { judgeClocks } from "./clock.ts";
import { checkCni } from "./cni.ts";
import {
  checkApiServer,
  checkNamespaces,
  checkPermissions,
  type KubernetesCheckInput,
} from "./kubernetes.ts";
import { buildReport, type CheckLine, type CheckReport, fail } from "./model.ts";
import { checkNodeAccess } from "./nodes.ts";
import { checkSlack, type SlackCheckInput } from "./slack.ts";

export interface CheckInput {
  config: Config;
  cluster: LoadedCluster;
  /** How nodes are reached, as chosen; and the opener of read-only node access. */
  nodeTransport: "kubernetes" | "ssh" | "none";
  openNodes(): Promise<NodeReader | undefined>;
  /** Slack settings when Slack is configured; a string says why it could not be (invalid settings). */
  slack: Omit<SlackCheckInput, "timeoutMs"> | string | undefined;
  now?: () => Date;
}

export async function runChecks(input: CheckInput): Promise<CheckReport> {
  const { config, cluster } = input;
  const timeoutMs = config.kubeRequestTimeoutMs;
  const reviewer = createAccessReviewer(cluster.kubeConfig, timeoutMs);
  const reader = createClusterReader(cluster.kubeConfig, cluster.identity, { requestTimeoutMs: timeoutMs });
  const slack = slackLines(input, timeoutMs);
  const api = await checkApiServer(reviewer, cluster.identity.server);
  const lines: CheckLine[] = [api.line];
  if (api.facts) {
    const nodes = await reader.listNodes().catch((err: Error) => err);
    const nodeList: V1Node[] = nodes instanceof Error ? [] : nodes;
    const first = nodeList[0];
    const kube: KubernetesCheckInput = {
      reviewer,
      namespaces: { bot: config.remediation.namespace, nodeAgents: config.nodeAgent.namespace },
      subject: `user ${cluster.kubeConfig.getCurrentUser()?.name ?? "?"} of context ${cluster.identity.context}`,
      agentPod: { ...config.nodeAgent, backupRoot: config.remediation.backupRoot },
      sampleNode: first?.metadata?.name ? { name: first.metadata.name, uid: first.metadata.uid } : undefined,
    };
    const [namespaces, permissions, cni] = await Promise.all([
      checkNamespaces(kube),
      checkPermissions(kube),
      checkCni(reader),
    ]);
    lines.push(...namespaces, ...permissions, ...cni);
    if (nodes instanceof Error)
      lines.push(
        fail(
          "nodes",
          "node-access",
          `nodes could not be listed: ${nodes.message}`,
          "grant list nodes (manifests/rbac.yaml:32)",
        ),
      );
    const nodeResult =
      nodes instanceof Error
        ? undefined
        : await checkNodeAccess({ nodes: nodeList, transport: input.nodeTransport, open: input.openNodes });
    if (nodeResult) lines.push(...nodeResult.lines);
    const apiOffset = api.facts.date
      ? api.facts.date.getTime() - api.facts.localMidpoint.getTime()
      : undefined;
    const reading = nodeResult?.clock;
    lines.push(
      ...judgeClocks({
        apiServerOffsetMs: apiOffset,
        apiServerUncertaintyMs: api.facts.roundTripMs / 2,
        ...(reading ? { node: { name: reading.name, ...reading.reading } } : {}),
      }),
    );
  }
  lines.push(...(await slack));
  return buildReport(cluster.identity, lines, input.now?.() ?? new Date());
}

async function slackLines(input: CheckInput, timeoutMs: number): Promise<CheckLine[]> {
  if (input.slack === undefined) return [];
  if (typeof input.slack === "string")
    return [fail("slack", "slack:settings", input.slack, "fix the Slack settings (README: Configuration)")];
  return checkSlack({ ...input.slack, timeoutMs });
}
