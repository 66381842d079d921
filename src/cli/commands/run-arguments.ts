/** What the commands acting on one journaled run (approve, rollback) take: the run id; node access as `fix` opens it. */
import { type CommandIO, type ParsedArgs, UsageError } from "../command.ts";

/** The one RUN positional, or a usage error that says what is missing and where to find it. */
export function runArguments(command: string, args: ParsedArgs, _io: CommandIO): { runId: string } {
  const [runId, ...extra] = args.positionals;
  if (!runId || extra.length > 0)
    throw new UsageError(
      `give exactly one run id, e.g. ${command} 20260101-120000-abcdef ('cni-doctor runs' and '/cni status' list runs).`,
    );
  if (args.values["node-access"] === "none")
    throw new UsageError(
      `${command} changes nodes, so it needs node access: --node-access none leaves it none.`,
    );
  return { runId };
}
