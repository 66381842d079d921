import type { CommandSpec } from "../command.ts";
import { demoCommand } from "./demo.ts";
import { diagnoseCommand } from "./diagnose.ts";
import { explainCommand } from "./explain.ts";
import { serveCommand } from "./serve.ts";
import { simCommand } from "./sim.ts";

/** Every terminal command, in the order `cni-doctor --help` lists them. One file per command. */
export const commands: CommandSpec[] = [
  diagnoseCommand,
  explainCommand,
  simCommand,
  demoCommand,
  serveCommand,
];
