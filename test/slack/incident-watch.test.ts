/**
 * Threads the bot opens itself (CNI_DOCTOR_INCIDENT_CHANNEL): two bot instances against one simulated cluster whose
 * workers hold a stale Calico config. The kubelets keep reporting FailedCreatePodSandBox every second; exactly one
 * instance (the Lease holder) opens exactly one thread for the burst, with the diagnosis and the plan, and later
 * failures join it. After both stop and one starts again, the open incident is carried on from its ConfigMap, not
 * opened twice. Restarting calico-node heals the workers; the next diagnosis is healthy and the parent says resolved.
 */
import { Writable } from "node:stream";
import { CoreV1Api } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig, loadSlackSettings } from "../../src/config.ts";
import { loadCluster } from "../../src/kube/cluster-config.ts";
import type { StoredMessage } from "../../src/sim/slack/index.ts";
import { CARD_ACTIONS } from "../../src/slack/blocks/diagnosis.ts";
import { ACTIONS } from "../../src/slack/blocks/plan.ts";
import { type RunningCniDoctorBot, startCniDoctorBot } from "../../src/slack/start.ts";
import {
  allText,
  CHANNEL,
  deliveryOf,
  eventually,
  everythingCaptured,
  journalOf,
  type SlackWorld,
  startSlackWorld,
  threadOf,
  USERS,
} from "../support/slack-harness.ts";

const INCIDENT_ENV = {
  CNI_DOCTOR_INCIDENT_CHANNEL: CHANNEL,
  CNI_DOCTOR_INCIDENT_DEBOUNCE_SECONDS: "1",
  CNI_DOCTOR_INCIDENT_RECHECK_SECONDS: "1",
};

const isIncidentParent = (m: StoredMessage) => !m.threadTs && m.text.startsWith("cni-doctor incident");

function incidentParents(world: SlackWorld): StoredMessage[] {
  return world.slack.workspace.messages.filter((m) => m.channel === CHANNEL && isIncidentParent(m));
}

function incidentBook(
  world: SlackWorld,
): Record<string, { threadTs: string; resolvedAt: string | null; failures: number }> {
  const cm = world.sim.store.get("configmaps", "cni-doctor", "cni-doctor-incidents") as
    | { data?: Record<string, string> }
    | undefined;
  return JSON.parse(cm?.data?.["incidents.json"] ?? "{}");
}

/** A second replica in this process: the same settings, cluster and Slack. */
function startReplica(world: SlackWorld, logLines: string[]): Promise<RunningCniDoctorBot> {
  const sink = new Writable({
    write(chunk, _enc, done) {
      logLines.push(...String(chunk).split("\n").filter(Boolean));
      done();
    },
  });
  return startCniDoctorBot({
    config: loadConfig(world.env),
    slack: loadSlackSettings(world.env),
    env: world.env,
    kubeconfigPath: world.kubeconfigPath,
    logDestination: sink,
    progressIntervalMs: 200,
    clientPingTimeoutMs: 2000,
  });
}

describe("incident threads the bot opens itself", () => {
  let world: SlackWorld;
  let replica: RunningCniDoctorBot | undefined;
  const replicaLog: string[] = [];

  beforeAll(async () => {
    world = await startSlackWorld({
      scenario: "stale-cni-config",
      mode: "socket",
      syncPeriodMs: 1000,
      env: INCIDENT_ENV,
    });
    replica = await startReplica(world, replicaLog);
    await world.slack.socket.waitForConnections(2);
  }, 60_000);
  afterAll(async () => {
    await replica?.stop(5_000).catch(() => undefined);
    await world?.stop();
  });

  it("opens one thread for a burst, from one replica, and adds later failures to it", async () => {
    const parent = await eventually("the incident thread", () => incidentParents(world)[0], 300);
    expect(allText(parent)).toContain("`stale-cni-config`");
    // The diagnosis card with Fix…, and no plan until a person asks for one: nobody approves what nobody asked for.
    const card = await eventually("the card in the incident thread", () =>
      threadOf(world, parent.ts).find((m) => JSON.stringify(m.blocks ?? []).includes(CARD_ACTIONS.fix)),
    );
    expect(
      threadOf(world, parent.ts).some((m) => JSON.stringify(m.blocks ?? []).includes(ACTIONS.approve)),
    ).toBe(false);
    // Fix… by a person posts the plan in the same thread, with that person as the requester.
    await world.slack.clickButton(
      { user: USERS.requester.id, message: structuredClone(card), actionId: CARD_ACTIONS.fix },
      deliveryOf(world),
    );
    await eventually(
      "the plan in the incident thread",
      () =>
        threadOf(world, parent.ts).some((m) => JSON.stringify(m.blocks ?? []).includes(ACTIONS.approve)) ||
        undefined,
    );
    expect(journalOf(world).some((r) => r.requestedBy.id === USERS.requester.id)).toBe(true);
    // The kubelets go on failing every second: the next bursts join the thread.
    await eventually(
      "later failures added to the thread",
      () => threadOf(world, parent.ts).some((m) => m.text.includes("more CNI failure")) || undefined,
      300,
    );
    expect(incidentParents(world)).toHaveLength(1);
    // One poster: exactly one of the two instances leads.
    const leading = [...world.bot.incident.watches, ...(replica?.incident.watches ?? [])].filter(
      (w) => w.leading,
    );
    expect(leading).toHaveLength(1);
    const lease = world.sim.store.get("leases", "cni-doctor", "cni-doctor-incident-watch") as {
      spec?: { holderIdentity?: string };
    };
    expect(lease.spec?.holderIdentity).toBeTruthy();
    const record = incidentBook(world)["watch:stale-cni-config"];
    expect(record?.threadTs).toBe(parent.ts);
    expect(record?.resolvedAt).toBeNull();
  }, 120_000);

  it("carries the open incident on after a restart instead of opening it again", async () => {
    const [parent] = incidentParents(world);
    const repliesBefore = threadOf(world, parent?.ts as string).filter((m) =>
      m.text.includes("more CNI failure"),
    ).length;
    await replica?.stop(5_000);
    replica = undefined;
    await world.bot.stop(5_000);
    await world.restartBot();
    await eventually(
      "a reply from the restarted bot in the same thread",
      () =>
        threadOf(world, parent?.ts as string).filter((m) => m.text.includes("more CNI failure")).length >
          repliesBefore || undefined,
      300,
    );
    expect(incidentParents(world)).toHaveLength(1);
  }, 120_000);

  it("says resolved, with how long it lasted, once a fresh diagnosis is healthy", async () => {
    const [parent] = incidentParents(world);
    // install-cni runs again in a restarted calico-node and rewrites the workers' CNI files (the scenario's cure).
    const core = loadCluster({ kubeconfigPath: world.kubeconfigPath }).kubeConfig.makeApiClient(CoreV1Api);
    const agents = await core.listNamespacedPod({
      namespace: "calico-system",
      labelSelector: "k8s-app=calico-node",
    });
    expect(agents.items.length).toBeGreaterThan(0);
    for (const pod of agents.items) {
      await core.deleteNamespacedPod({ namespace: "calico-system", name: pod.metadata?.name as string });
    }
    const resolved = await eventually(
      "the parent saying resolved",
      () => {
        const m = world.slack.workspace.find(CHANNEL, parent?.ts as string);
        return m && /Resolved\* after \d+/.test(allText(m)) ? m : undefined;
      },
      900,
    );
    expect(resolved.text).toContain("resolved after");
    // The parent is updated first, then the reply is posted (src/slack/incident/watch.ts #resolve): wait for it.
    await eventually("the reply saying resolved", () =>
      threadOf(world, parent?.ts as string).find((m) => m.text.startsWith("Resolved after")),
    );
    expect(incidentBook(world)["watch:stale-cni-config"]?.resolvedAt).toBeTruthy();
    // While calico-node restarts, pods may fail for a moment with another cause (a thread of its own, per root cause);
    // once the cluster is healthy nothing is left open.
    await eventually(
      "every incident resolved",
      () => Object.values(incidentBook(world)).every((r) => r.resolvedAt !== null) || undefined,
    );
    const captured = `${everythingCaptured(world)}\n${replicaLog.join("\n")}`;
    for (const secret of world.secrets()) expect(captured).not.toContain(secret);
  }, 180_000);
});
