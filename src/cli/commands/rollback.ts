import type { CommandSpec } from "../command.ts";
import { openRemediation, terminalActor } from "../remediation-setup.ts";
import { styleFor } from "../render/style.ts";
import { runArguments } from "./run-arguments.ts";
import { rollbackUsage } from "./usage/rollback.ts";

/** Exit codes of `rollback`, documented in the README. */
export const ROLLBACK_EXIT = { restored: 0, failed: 1, usage: 2, refused: 4 } as const;

export const rollbackCommand: CommandSpec = {
  ...rollbackUsage,
  async run(args, io) {
    const { runId } = runArguments("rollback", args, io);
    const setup = await openRemediation(args, io, { nodeAccess: true });
    try {
      const outcome = await setup.service.restore(runId, terminalActor(), {
        node: args.values.node as string | undefined,
      });
      const style = styleFor(io.stdout, io.env);
      if (args.values.json) io.stdout.write(`${JSON.stringify(outcome, null, 2)}\n`);
      else {
        for (const rb of outcome.rollbacks)
          io.stdout.write(`${rb.ok ? style.green("↺") : style.red("↺")} ${rb.node}: ${rb.message}\n`);
        if (outcome.rollbacks.length === 0)
          io.stdout.write(`${outcome.status === "refused" ? style.red(outcome.message) : outcome.message}\n`);
      }
      return outcome.status === "refused"
        ? ROLLBACK_EXIT.refused
        : outcome.status === "failed"
          ? ROLLBACK_EXIT.failed
          : ROLLBACK_EXIT.restored;
    } finally {
      await setup.close();
    }
  },
};
