import type { CommandSpec } from "../command.ts";
import { approveCommand } from "./approve.ts";
import { checkCommand } from "./check.ts";
import { demoCommand } from "./demo.ts";
import { diagnoseCommand } from "./diagnose.ts";
import { explainCommand } from "./explain.ts";
import { fixCommand } from "./fix.ts";
import { mcpCommand } from "./mcp.ts";
import { pauseCommand, resumeCommand } from "./pause.ts";
import { rollbackCommand } from "./rollback.ts";
import { runsCommand } from "./runs.ts";
import { serveCommand } from "./serve.ts";
import { simCommand } from "./sim.ts";

/** Every terminal command, in the order `cni-doctor --help` lists them. One file per command. */
export const commands: CommandSpec[] = [
  diagnoseCommand,
  explainCommand,
  fixCommand,
  approveCommand,
  runsCommand,
  rollbackCommand,
  pauseCommand,
  resumeCommand,
  simCommand,
  demoCommand,
  serveCommand,
  mcpCommand,
  checkCommand,
];
