import type { CommandUsage } from "../../command.ts";

/** `cni-doctor demo`: what --help shows and the arguments it parses; the implementation is ../demo.ts. */
export const demoUsage: CommandUsage = {
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
};
