/**
 * The bot is killed mid-run (`cni-doctor serve` as a real process, SIGKILL while a step runs) and started again: the
 * new process finds the run in the journal, marked interrupted once the dead runner's lease lapsed, and says so in
 * the incident thread, with the step it died in. The killed process also proves `serve` starts on plain Node.
 */
import { describe, expect, it } from "vitest";
import { worldForServe } from "../support/serve-process.ts";
import {
  allText,
  approveFixUntilAgentRestart,
  eventually,
  everythingCaptured,
  leaseLapsed,
  sandboxFailuresReported,
  threadOf,
} from "../support/slack-harness.ts";

describe("restart mid-run", () => {
  // Kubelets that do not retry soon: the restarted agent stays Pending for a while, a window to kill the bot in.
  const served = worldForServe({ syncPeriodMs: 600_000 });

  it("reports the interrupted run from the journal in its thread", async () => {
    const { world } = served;
    const serve = served.startServe();
    await serve.connected();
    await sandboxFailuresReported(world);
    // Kill it while the agent restart step is waiting.
    const { threadTs } = await approveFixUntilAgentRestart(world);
    await serve.killHard();
    // The dead runner's lease lapses after CNI_DOCTOR_LEASE_SECONDS (2 s); then the journal shows the run interrupted.
    await leaseLapsed(world);
    const bot = await world.restartBot();
    expect(await bot.interruptedReported).toBe(1);
    const report = await eventually("the interrupted report", () =>
      threadOf(world, threadTs).find((m) => m.text.includes("was interrupted")),
    );
    expect(allText(report)).toContain("restart-cni-agent");
    expect(allText(report)).toContain("/var/lib/cni-doctor/backup");
    // Another restart finds the report already in the thread (by its metadata key) and does not repeat it.
    await bot.stop(5_000);
    const again = await world.restartBot();
    await again.interruptedReported;
    expect(threadOf(world, threadTs).filter((m) => m.text.includes("was interrupted")).length).toBe(1);
    const captured = `${everythingCaptured(world)}\n${serve.output}`;
    for (const secret of world.secrets()) expect(captured).not.toContain(secret);
  }, 120_000);
});
