import type { CommandSpec } from "../command.ts";
import { openRemediation } from "../remediation-setup.ts";
import { renderRunsText } from "../render/plan-text.ts";
import { styleFor } from "../render/style.ts";
import { runsUsage } from "./usage/runs.ts";

export const runsCommand: CommandSpec = {
  ...runsUsage,
  async run(args, io) {
    const setup = await openRemediation(args, io, {});
    try {
      const runs = await setup.service.recentRuns();
      const paused = await setup.service.isPaused();
      if (args.values.json) io.stdout.write(`${JSON.stringify({ paused, runs }, null, 2)}\n`);
      else {
        if (paused) io.stdout.write("Remediation is PAUSED on this cluster (cni-doctor resume to lift).\n");
        io.stdout.write(renderRunsText(runs, styleFor(io.stdout, io.env)));
      }
      return 0;
    } finally {
      await setup.close();
    }
  },
};
