/**
 * `/cni check` through the real Bolt app and the local Slack, against the simulated cluster: an approver (listed, or
 * through a user group) gets the ✓/✗ lines only to themselves, a failing check shows its ✗ with the fix (and turns ✓
 * once fixed), a non-approver is refused and sees none of it, and an unknown cluster is named.
 */
import { CoreV1Api } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { buildReport, CHECK_AREAS, type CheckLine } from "../../src/check/model.ts";
import { loadCluster } from "../../src/kube/cluster-config.ts";
import type { EphemeralMessage } from "../../src/sim/slack/index.ts";
import { renderCheckReport } from "../../src/slack/blocks/check.ts";
import { fitMessage, LIMITS } from "../../src/slack/blocks/limits.ts";
import { CHANNEL, deliveryOf, eventually, socketWorldForSuite, USERS } from "../support/slack-harness.ts";

const world = socketWorldForSuite({ scenario: "stale-cni-config", syncPeriodMs: 1000 });

async function check(user: string, text = "check"): Promise<EphemeralMessage> {
  const { slack } = world();
  const before = slack.workspace.ephemerals.length;
  const postsBefore = slack.workspace.messages.length;
  await slack.slashCommand({ user, channel: CHANNEL, text }, deliveryOf(world()));
  const answer = await eventually(`/cni ${text} answered to ${user}`, () =>
    slack.workspace.ephemerals.slice(before).find((e) => e.user === user && !e.text.startsWith("Checking")),
  );
  // Only ever to the person who asked: nothing posted in the channel.
  expect(slack.workspace.messages.length).toBe(postsBefore);
  expect(slack.workspace.ephemerals.slice(before).every((e) => e.user === user)).toBe(true);
  return answer;
}

const body = (m: EphemeralMessage) => JSON.stringify(m.blocks ?? []);

describe("/cni check", () => {
  it("gives an approver the check's lines, with each failure's fix", async () => {
    const answer = await check(USERS.approver.id);
    expect(answer.text).toMatch(/^cni-doctor check: not ready on /);
    const blocks = body(answer);
    expect(blocks).toMatch(/✓ API server \S+ answers: Kubernetes v/);
    expect(blocks).toContain("✓ list pods in all namespaces");
    // The harness creates the bot's namespace without Pod Security labels: a real failure, with its fix.
    expect(blocks).toMatch(/✗ namespace cni-doctor has no pod-security.kubernetes.io\/enforce label/);
    expect(blocks).toContain(
      "_fix:_ kubectl label --overwrite namespace cni-doctor pod-security.kubernetes.io/enforce=privileged",
    );
    expect(blocks).toMatch(/\*slack\*\\n✓/);
  }, 60_000);

  it("shows the line passed once it is fixed, to an approver through a user group", async () => {
    const core = loadCluster({ kubeconfigPath: world().kubeconfigPath }).kubeConfig.makeApiClient(CoreV1Api);
    const ns = await core.readNamespace({ name: "cni-doctor" });
    ns.metadata = {
      ...ns.metadata,
      labels: { ...ns.metadata?.labels, "pod-security.kubernetes.io/enforce": "privileged" },
    };
    await core.replaceNamespace({ name: "cni-doctor", body: ns });
    const blocks = body(await check(USERS.groupApprover.id));
    expect(blocks).toContain("✓ namespace cni-doctor exists, pod-security.kubernetes.io/enforce=privileged");
    expect(blocks).not.toContain("✗ namespace cni-doctor ");
  }, 60_000);

  it("refuses a non-approver, who sees no line of the check", async () => {
    const refused = await check(USERS.outsider.id);
    expect(refused.text).toContain(`${USERS.outsider.id} may not run /cni check: only approvers may`);
    expect(body(refused)).not.toMatch(/[✓✗]/);
    expect(world().logLines.some((l) => l.includes("/cni check refused"))).toBe(true);
  }, 30_000);

  it("names the allowed clusters for an unknown --cluster", async () => {
    const answer = await check(USERS.approver.id, "check --cluster nope");
    expect(answer.text).toContain("cluster 'nope' is not one this bot may use; allowed:");
  }, 30_000);
});

describe("renderCheckReport", () => {
  const line = (i: number, status: CheckLine["status"]): CheckLine => ({
    area: CHECK_AREAS[i % CHECK_AREAS.length] as CheckLine["area"],
    id: `x:${i}`,
    status,
    summary: `check number ${i} of a large installation, with a long enough summary to add up <b>`,
    ...(status === "fail" ? { fix: `kubectl do-something --to thing-${i}` } : {}),
  });
  const cluster = { context: "prod", server: "https://10.0.0.1:6443", caFingerprint: null };

  it("shows every line when the report fits", () => {
    const m = renderCheckReport(buildReport(cluster, [line(0, "pass"), line(1, "fail"), line(2, "note")]));
    const blocks = JSON.stringify(m.blocks);
    expect(blocks).toContain("✓ check number 0");
    expect(blocks).toContain("✗ check number 1");
    expect(blocks).toContain("_fix:_ kubectl do-something --to thing-1");
    expect(blocks).toContain("· check number 2");
    expect(blocks).toContain("&lt;b&gt;");
  });

  it("keeps within Slack's limits for a huge report: every failure in full, passes counted", () => {
    const lines = Array.from({ length: 400 }, (_, i) => line(i, i % 40 === 0 ? "fail" : "pass"));
    const m = renderCheckReport(buildReport(cluster, lines));
    const blocks = JSON.stringify(m.blocks);
    expect(blocks.length).toBeLessThanOrEqual(LIMITS.blocksJson);
    expect(m.blocks.length).toBeLessThanOrEqual(LIMITS.blocks);
    for (const failed of lines.filter((l) => l.status === "fail")) expect(blocks).toContain(failed.fix);
    expect(blocks).not.toContain("✓ check number");
    expect(blocks).toMatch(/✓ \d+ checks passed/);
    expect(fitMessage(m).cut).toBe(false);
  });
});
