import type { CommandUsage } from "../../command.ts";
import { CLUSTER_OPTIONS } from "./options.ts";

/** `cni-doctor pause` and `resume`: the kill switch on and off. The implementation is ../pause.ts. */
function killSwitchUsage(paused: boolean): CommandUsage {
  return {
    name: paused ? "pause" : "resume",
    summary: paused
      ? "Kill switch: stop all remediation on the cluster (new runs refuse; running ones stop after their current step, rolling back a half-done node)."
      : "Turn the kill switch off again (only an approver in CNI_DOCTOR_APPROVERS, as cli:<OS user>, may).",
    options: { ...CLUSTER_OPTIONS },
    details:
      "The switch is a ConfigMap in the bot's namespace (CNI_DOCTOR_NAMESPACE), so every replica and terminal sees it.",
  };
}

export const pauseUsage = killSwitchUsage(true);
export const resumeUsage = killSwitchUsage(false);
