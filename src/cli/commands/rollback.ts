import type { CommandSpec } from "../command.ts";
import { CLUSTER_OPTIONS, openRemediation, terminalActor } from "../remediation-setup.ts";
import { styleFor } from "../render/style.ts";
import { NODE_ACCESS_OPTION } from "./diagnose.ts";
import { NODES_FILE_OPTION, runArguments } from "./run-arguments.ts";

/** Exit codes of `rollback`, documented in the README. */
export const ROLLBACK_EXIT = { restored: 0, failed: 1, usage: 2, refused: 4 } as const;

export const rollbackCommand: CommandSpec = {
  name: "rollback",
  summary:
    "Restore the CNI files an interrupted or failed run left moved aside on its nodes, byte for byte, from the run's backup.",
  positionals: "RUN",
  options: {
    ...CLUSTER_OPTIONS,
    "nodes-file": NODES_FILE_OPTION,
    "node-access": NODE_ACCESS_OPTION,
    node: { type: "string", valueName: "NODE", description: "Only this node." },
    json: { type: "boolean", description: "Print {status, message, rollbacks} as JSON." },
  },
  details: [
    "The run's journal record says which files moved on which node and their checksums before the move; anything",
    "written into the conf dir since is moved aside into <backup>/displaced-<run>/, never deleted. A healed node is",
    "never restored. It is a write: only an approver may run it, under the same policy as fix at the terminal",
    "(CNI_DOCTOR_APPROVERS lists cli:<OS user>, CNI_DOCTOR_SELF_APPROVAL is cli or all), holding the cluster's lease.",
    "Exit status: 0 restored or nothing to restore, 1 a restore was incomplete, 2 bad usage, 4 refused.",
  ].join("\n"),
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
