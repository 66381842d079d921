import type { CommandSpec } from "../command.ts";
import { diagnoseCommand } from "./diagnose.ts";
import { explainCommand } from "./explain.ts";

/** Every terminal command, in the order `cni-doctor --help` lists them. One file per command. */
export const commands: CommandSpec[] = [diagnoseCommand, explainCommand];
