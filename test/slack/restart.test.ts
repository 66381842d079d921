/**
 * The bot is killed mid-run (`cni-doctor serve` as a real process, SIGKILL while a step runs) and started again: the
 * new process finds the run in the journal, marked interrupted once the dead runner's lease lapsed, and says so in
 * the incident thread, with the step it died in. The killed process also proves `serve` starts on plain Node.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  allText,
  approveFixUntilAgentRestart,
  eventually,
  everythingCaptured,
  leaseLapsed,
  type SlackWorld,
  sandboxFailuresReported,
  startSlackWorld,
  threadOf,
} from "../support/slack-harness.ts";

const NODE = join(process.cwd(), "node_modules/.bin/node");
const BIN = join(process.cwd(), "bin/cni-doctor.js");

describe("restart mid-run", () => {
  let world: SlackWorld;
  let child: ChildProcess | undefined;
  let childOutput = "";
  beforeAll(async () => {
    // Kubelets that do not retry soon: the restarted agent stays Pending for a while, a window to kill the bot in.
    world = await startSlackWorld({
      scenario: "stale-cni-config",
      mode: "socket",
      syncPeriodMs: 600_000,
      startBot: false,
    });
  }, 60_000);
  afterAll(async () => {
    child?.kill("SIGKILL");
    await world?.stop();
  });

  it("reports the interrupted run from the journal in its thread", async () => {
    const { slack } = world;
    child = spawn(NODE, [BIN, "serve", "--kubeconfig", world.kubeconfigPath], {
      env: { PATH: process.env.PATH ?? "", ...world.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout?.on("data", (d) => (childOutput += d));
    child.stderr?.on("data", (d) => (childOutput += d));
    await eventually(`serve to connect (output so far: ${childOutput.slice(-500)})`, () =>
      childOutput.includes("connected to Slack") ? true : undefined,
    );
    await slack.socket.waitForConnections(1);
    await sandboxFailuresReported(world);
    // Kill it while the agent restart step is waiting.
    const { threadTs } = await approveFixUntilAgentRestart(world);
    child.kill("SIGKILL");
    await new Promise<void>((resolve) => child?.once("exit", () => resolve()));
    await eventually("the Socket Mode connection to drop", () =>
      slack.socket.connections === 0 ? true : undefined,
    );
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
    const captured = `${everythingCaptured(world)}\n${childOutput}`;
    for (const secret of world.secrets()) expect(captured).not.toContain(secret);
  }, 120_000);
});
