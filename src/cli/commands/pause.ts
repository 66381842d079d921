import type { CommandSpec, CommandUsage } from "../command.ts";
import { openRemediation, terminalActor } from "../remediation-setup.ts";
import { pauseUsage, resumeUsage } from "./usage/pause.ts";

function killSwitchCommand(usage: CommandUsage, paused: boolean): CommandSpec {
  return {
    ...usage,
    async run(args, io) {
      const setup = await openRemediation(args, io, {});
      try {
        const me = terminalActor();
        if (paused) await setup.service.pause(me);
        else await setup.service.resume(me);
        io.stdout.write(
          `Remediation ${paused ? "paused" : "resumed"} on ${setup.identity.context} by ${me.id}.\n`,
        );
        return 0;
      } finally {
        await setup.close();
      }
    },
  };
}

export const pauseCommand = killSwitchCommand(pauseUsage, true);
export const resumeCommand = killSwitchCommand(resumeUsage, false);
