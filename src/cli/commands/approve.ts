import type { CommandSpec } from "../command.ts";
import { openRemediation, terminalActor } from "../remediation-setup.ts";
import { styleFor } from "../render/style.ts";
import { askAtTerminal, FIX_EXIT, type FixOutput, runApproved, terminalWorkflow } from "./fix.ts";
import { FixInterrupts } from "./fix-interrupts.ts";
import { runArguments } from "./run-arguments.ts";
import { approveUsage } from "./usage/approve.ts";

/**
 * `cni-doctor approve RUN`: the second approver at a terminal, for a run someone else asked for (`fix` at another
 * terminal, `/cni fix` in Slack). The approval goes through the same gate as a Slack click; the one that completes
 * the quorum runs the plan here, with the same progress, signals and exit codes as `fix`.
 */
export const approveCommand: CommandSpec = {
  ...approveUsage,
  async run(args, io) {
    const { runId } = runArguments("approve", args, io);
    const setup = await openRemediation(args, io, { nodeAccess: true });
    const style = styleFor(io.stdout, io.env);
    const out: FixOutput = { progress: io.stdout, style, json: {} };
    const interrupts = new FixInterrupts(
      io,
      (text) => void io.stdout.write(style.red(text)),
      (reason) => setup.service.stopForShutdown(reason),
    );
    const stopListening = interrupts.install();
    try {
      const run = (await setup.service.recentRuns()).find((r) => r.id === runId);
      if (!run) {
        io.stdout.write(style.red(`No run ${runId} in the journal; 'cni-doctor runs' lists them.\n`));
        return FIX_EXIT.refused;
      }
      io.stdout.write(
        `Run ${run.id} (${run.state}) on ${setup.identity.context}: nodes ${run.nodes.join(", ") || "none"}; plan ${run.digest}; requested by ${run.requestedBy}; approved by ${run.approvedBy.join(", ") || "nobody yet"}.\n`,
      );
      if (!args.values.yes) {
        const notApproved = await askAtTerminal(io, setup.identity.context, runId);
        if (notApproved !== null) {
          io.stdout.write(style.red(notApproved));
          return FIX_EXIT.refused;
        }
      }
      interrupts.executing(runId, null);
      return await runApproved(terminalWorkflow(setup, out, interrupts), runId, terminalActor(), out);
    } finally {
      stopListening();
      await setup.close();
    }
  },
};
