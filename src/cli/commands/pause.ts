import type { CommandSpec } from "../command.ts";
import { CLUSTER_OPTIONS, openRemediation, terminalActor } from "../remediation-setup.ts";

function killSwitchCommand(paused: boolean): CommandSpec {
  return {
    name: paused ? "pause" : "resume",
    summary: paused
      ? "Kill switch: stop all remediation on the cluster (new runs refuse; running ones stop after their current step, rolling back a half-done node)."
      : "Turn the kill switch off again (only an approver in CNI_DOCTOR_APPROVERS, as cli:<OS user>, may).",
    options: { ...CLUSTER_OPTIONS },
    details:
      "The switch is a ConfigMap in the bot's namespace (CNI_DOCTOR_NAMESPACE), so every replica and terminal sees it.",
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

export const pauseCommand = killSwitchCommand(true);
export const resumeCommand = killSwitchCommand(false);
