import type { CommandSpec, CommandUsage } from "../command.ts";
import { approveUsage } from "./usage/approve.ts";
import { checkUsage } from "./usage/check.ts";
import { demoUsage } from "./usage/demo.ts";
import { diagnoseUsage } from "./usage/diagnose.ts";
import { explainUsage } from "./usage/explain.ts";
import { fixUsage } from "./usage/fix.ts";
import { mcpUsage } from "./usage/mcp.ts";
import { pauseUsage, resumeUsage } from "./usage/pause.ts";
import { rollbackUsage } from "./usage/rollback.ts";
import { runsUsage } from "./usage/runs.ts";
import { serveUsage } from "./usage/serve.ts";
import { simUsage } from "./usage/sim.ts";

/**
 * A command whose implementation is imported when it runs. Help and argument parsing need only its usage; importing
 * every implementation up front made each invocation load what all the commands use (the MCP SDK, ssh2, pino, the
 * remediation engine…), which was most of `cni-doctor diagnose`'s start-up (bench/startup.ts).
 */
function lazyCommand(usage: CommandUsage, load: () => Promise<CommandSpec>): CommandSpec {
  return { ...usage, run: async (args, io) => (await load()).run(args, io) };
}

/** Every terminal command, in the order `cni-doctor --help` lists them. One file per command. */
export const commands: CommandSpec[] = [
  lazyCommand(diagnoseUsage, async () => (await import("./diagnose.ts")).diagnoseCommand),
  lazyCommand(explainUsage, async () => (await import("./explain.ts")).explainCommand),
  lazyCommand(fixUsage, async () => (await import("./fix.ts")).fixCommand),
  lazyCommand(approveUsage, async () => (await import("./approve.ts")).approveCommand),
  lazyCommand(runsUsage, async () => (await import("./runs.ts")).runsCommand),
  lazyCommand(rollbackUsage, async () => (await import("./rollback.ts")).rollbackCommand),
  lazyCommand(pauseUsage, async () => (await import("./pause.ts")).pauseCommand),
  lazyCommand(resumeUsage, async () => (await import("./pause.ts")).resumeCommand),
  lazyCommand(simUsage, async () => (await import("./sim.ts")).simCommand),
  lazyCommand(demoUsage, async () => (await import("./demo.ts")).demoCommand),
  lazyCommand(serveUsage, async () => (await import("./serve.ts")).serveCommand),
  lazyCommand(mcpUsage, async () => (await import("./mcp.ts")).mcpCommand),
  lazyCommand(checkUsage, async () => (await import("./check.ts")).checkCommand),
];
