import type { CommandSpec } from "../command.ts";
import { UsageError } from "../command.ts";

/**
 * The README's first command: the first incident end to end through the real bot, on the built-in simulated cluster
 * and a local Slack (src/demo/). The product side runs exactly as against a real cluster and a real workspace: it is
 * handed a kubeconfig, a nodes file and Slack tokens, and nothing else.
 */
export const demoCommand: CommandSpec = {
  name: "demo",
  summary:
    "Run an incident end to end on 127.0.0.1: a simulated cluster, a local Slack and the real bot; print the thread and exit.",
  options: {
    scenario: {
      type: "string",
      valueName: "NAME",
      description:
        "Scenario to run (default: stale-cni-config, the first incident report); list: src/sim/scenarios/README.md.",
    },
    proactive: {
      type: "boolean",
      description:
        "Nobody types a command: the bot watches the cluster, opens the incident thread itself (CNI_DOCTOR_INCIDENT_CHANNEL), @alice clicks Fix…, @bob approves.",
    },
    "node-access": {
      type: "string",
      valueName: "kubernetes|ssh",
      description:
        "How the bot reaches nodes: agent pods through the API server (default, as deployed) or SSH to simulated sshd nodes.",
    },
  },
  details: [
    "Starts the simulated cluster (its nodes reached through agent pods, or as SSH servers with --node-access ssh),",
    "applies the bot's identity and RBAC from manifests/,",
    "starts a local Slack stand-in (Web API and Socket Mode) and the bot as `cni-doctor serve` runs it. @alice asks",
    "`/cni diagnose`, then `@cni-doctor fix` (with --proactive the bot opens the thread itself and she clicks Fix…);",
    "@bob approves; the thread is printed as Slack shows it, then the cluster",
    "is read back. Everything listens on 127.0.0.1; the credentials are generated for the run and never printed.",
    "Exit status: 0 when the bot did what it is designed to do for the scenario, 1 when the demo failed, 2 bad usage.",
  ].join("\n"),
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
