/** What the commands acting on one journaled run (approve, rollback) take: the run id and node access. */
import { type CommandIO, type OptionSpec, type ParsedArgs, UsageError } from "../command.ts";

export const NODES_FILE_OPTION: OptionSpec = {
  type: "string",
  valueName: "FILE",
  description: "Nodes file (YAML) for SSH access to the nodes (default: $CNI_DOCTOR_NODES_FILE). Required.",
};

/** The one RUN positional and the nodes file, or a usage error that says what is missing and where to find it. */
export function runArguments(
  command: string,
  args: ParsedArgs,
  io: CommandIO,
): { runId: string; nodesFile: string } {
  const [runId, ...extra] = args.positionals;
  if (!runId || extra.length > 0)
    throw new UsageError(
      `give exactly one run id, e.g. ${command} 20260101-120000-abcdef ('cni-doctor runs' and '/cni status' list runs).`,
    );
  const nodesFile = (args.values["nodes-file"] as string | undefined) ?? io.env.CNI_DOCTOR_NODES_FILE;
  if (!nodesFile)
    throw new UsageError(
      `${command} changes nodes, so it needs node access: pass --nodes-file FILE (or set CNI_DOCTOR_NODES_FILE).`,
    );
  return { runId, nodesFile };
}
