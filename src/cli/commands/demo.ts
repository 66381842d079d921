import type { CommandSpec } from "../command.ts";
import { UsageError } from "../command.ts";
import { demoUsage } from "./usage/demo.ts";

/**
 * The README's first command: the first incident end to end through the real bot, on the built-in simulated cluster
 * and a local Slack (src/demo/). The product side runs exactly as against a real cluster and a real workspace: it is
 * handed a kubeconfig, a nodes file and Slack tokens, and nothing else.
 */
export const demoCommand: CommandSpec = {
  ...demoUsage,
  async run(args, io) {
    const scenario = (args.values.scenario as string | undefined) ?? "stale-cni-config";
    const nodeAccess = (args.values["node-access"] as string | undefined) ?? "kubernetes";
    if (nodeAccess !== "kubernetes" && nodeAccess !== "ssh")
      throw new UsageError(`--node-access must be kubernetes or ssh, not "${nodeAccess}"`);
    // Loaded on use: `diagnose` must not pay for the simulator, Slack's stand-in or Bolt at start-up.
    const [{ runDemo }, { ScenarioError }, { ANSI, NO_STYLE }] = await Promise.all([
      import("../../demo/run-demo.ts"),
      import("../../sim/scenarios/errors.ts"),
      import("../../demo/slack-text.ts"),
    ]);
    try {
      const result = await runDemo({
        scenario,
        nodeAccess,
        ...(args.values.proactive ? { proactive: true } : {}),
        stdout: io.stdout,
        stderr: io.stderr,
        style: io.stdout.isTTY && !io.env.NO_COLOR ? ANSI : NO_STYLE,
      });
      return result.exitCode;
    } catch (err) {
      if (err instanceof ScenarioError) throw new UsageError(err.message);
      throw err;
    }
  },
};
