/**
 * SIGTERM to `cni-doctor serve` (a real process on plain Node) in the middle of a fix: readiness turns 503 at once,
 * the step in flight finishes, the half-done node is rolled back, the run ends "stopped" with the reason in the
 * journal (and the stop recorded as the bot's own), the thread says so, and the process exits 0.
 */
import { describe, expect, it } from "vitest";
import { ACTIONS } from "../../src/slack/blocks/plan.ts";
import { worldForServe } from "../support/serve-process.ts";
import {
  CHANNEL,
  eventually,
  journalOf,
  sandboxFailuresReported,
  threadOf,
  USERS,
} from "../support/slack-harness.ts";
import { getOps } from "./support.ts";

const WORKER = "k8s-worker1";

describe("SIGTERM during a run", () => {
  const served = worldForServe({ syncPeriodMs: 1000 });

  it("finishes the step, rolls the half-done node back, journals the stop and exits 0", async () => {
    const { world } = served;
    const { slack } = world;
    // Generous: this test is about the graceful path, not the deadline.
    const serve = served.startServe({ CNI_DOCTOR_SHUTDOWN_TIMEOUT_SECONDS: "55" });
    const opsUrl = await eventually(
      `serve to connect (output so far: ${serve.output.slice(-500)})`,
      () => /health, readiness and metrics on (http:\/\/[^;\s]+)/.exec(serve.output)?.[1],
    );
    await eventually("readyz 200", async () =>
      (await getOps(opsUrl, "/readyz")).status === 200 ? true : undefined,
    );
    await sandboxFailuresReported(world);

    await slack.slashCommand({ user: USERS.requester.id, channel: CHANNEL, text: "fix" }, { mode: "socket" });
    const plan = await eventually("a plan", () =>
      slack.workspace.messages.find((m) => JSON.stringify(m.blocks ?? []).includes(ACTIONS.approve)),
    );
    // Slow commands on the first node: its first step is in flight long enough to be interrupted mid-way.
    world.sim.ssh?.faults.setLatency(WORKER, 700);
    await slack.clickButton(
      { user: USERS.approver.id, message: structuredClone(plan), actionId: ACTIONS.approve },
      { mode: "socket" },
    );
    const running = await eventually(
      "the first step running (journal)",
      () =>
        journalOf(world).find(
          (r) => r.state === "running" && r.steps.some((s) => s.index === 0 && s.status === "running"),
        ),
      300,
    );

    serve.child.kill("SIGTERM");
    const notReady = await eventually("readyz 503 while the step finishes", async () => {
      const r = await getOps(opsUrl, "/readyz");
      return r.status === 503 ? (JSON.parse(r.body) as { reasons: string[] }) : undefined;
    });
    expect(notReady.reasons.join(" ")).toContain("shutting down: the bot is shutting down (SIGTERM)");

    expect(await serve.exited).toBe(0);
    const record = journalOf(world).find((r) => r.id === running.id);
    expect(record?.state, serve.output.slice(-3000)).toBe("stopped");
    expect(record?.outcome).toContain(
      `Stopped on ${WORKER} before restart-cni-agent: the bot is shutting down (SIGTERM).`,
    );
    expect(record?.stopRequested?.actor.via).toBe("process");
    // The step in flight was allowed to finish, then its node was restored.
    expect(record?.steps.find((s) => s.index === 0)?.status).toBe("ok");
    expect(record?.steps.some((s) => s.kind === "restart-cni-agent")).toBe(false);
    expect(record?.rollbacks.map((rb) => [rb.node, rb.ok])).toEqual([[WORKER, true]]);
    const thread = threadOf(world, plan.threadTs as string);
    expect(thread.some((m) => m.text.startsWith("cni-doctor fix was stopped"))).toBe(true);

    const logs = serve.output
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l) as { msg: string });
    expect(logs.some((l) => l.msg.startsWith("SIGTERM: shutting down"))).toBe(true);
    expect(logs.some((l) => l.msg === "shut down")).toBe(true);
    for (const secret of world.secrets()) expect(serve.output).not.toContain(secret);
  }, 120_000);
});
