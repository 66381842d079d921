/**
 * The bot without a nodes file (CNI_DOCTOR_NODE_ACCESS unset: auto) reaches nodes through agent pods once their
 * namespace exists: `/cni fix` shows `kubectl exec` command lines, an approved run heals stale-cni-config through
 * read-write agent pods, and none is left afterwards.
 */
import { CoreV1Api } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadCluster } from "../../src/kube/cluster-config.ts";
import { ACTIONS } from "../../src/slack/blocks/plan.ts";
import {
  allText,
  CHANNEL,
  deliveryOf,
  eventually,
  type SlackWorld,
  sandboxFailuresReported,
  startSlackWorld,
  threadOf,
  USERS,
} from "../support/slack-harness.ts";

const AGENTS = "cni-doctor-nodes";

describe("the bot with node access through Kubernetes", () => {
  let world: SlackWorld;
  beforeAll(async () => {
    world = await startSlackWorld({
      scenario: "stale-cni-config",
      mode: "socket",
      syncPeriodMs: 1000,
      env: { CNI_DOCTOR_NODES_FILE: "" },
      startBot: false,
    });
    // What the manifests will create: the agent namespace, labelled for host-network, hostPath pods.
    await loadCluster({ kubeconfigPath: world.kubeconfigPath })
      .kubeConfig.makeApiClient(CoreV1Api)
      .createNamespace({
        body: { metadata: { name: AGENTS, labels: { "pod-security.kubernetes.io/enforce": "privileged" } } },
      });
    await world.restartBot();
    await world.slack.socket.waitForConnections(1);
  }, 60_000);
  afterAll(async () => world?.stop());

  it("plans with kubectl exec command lines, heals the cluster, and leaves no agent pod", async () => {
    const { slack } = world;
    const to = deliveryOf(world);
    await sandboxFailuresReported(world);
    await slack.slashCommand({ user: USERS.requester.id, channel: CHANNEL, text: "fix" }, to);
    const plan = await eventually(
      "the plan message",
      () => slack.workspace.messages.find((m) => JSON.stringify(m.blocks ?? []).includes(ACTIONS.approve)),
      300,
    );
    await slack.clickButton({ user: USERS.approver.id, message: plan, actionId: ACTIONS.showCommands }, to);
    const commands = await eventually("the commands", () =>
      slack.workspace.messages.find((m) => m.text.startsWith("Commands of run")),
    );
    expect(allText(commands)).toContain(`kubectl exec -n ${AGENTS}`);
    expect(allText(commands)).toMatch(/mv -n -t/);
    await slack.clickButton({ user: USERS.approver.id, message: plan, actionId: ACTIONS.approve }, to);
    const threadTs = plan.threadTs as string;
    const summary = await eventually(
      "the final summary",
      () =>
        threadOf(world, threadTs).find(
          (m) => m.text.includes("fix succeeded") || m.text.includes("fix failed"),
        ),
      900,
    );
    expect(summary.text, threadOf(world, threadTs).map(allText).join("\n---\n")).toContain("fix succeeded");
    await eventually(
      "no agent pod left",
      () => (world.sim.store.list("pods", AGENTS).length === 0 ? true : undefined),
      100,
    );
  }, 120_000);
});
