/** Message shortcut "Diagnose CNI": diagnoses into the thread of the message it was used on. */
import type { AllMiddlewareArgs, MessageShortcut, SlackShortcutMiddlewareArgs } from "@slack/bolt";
import type { SlackFlows } from "../../flows/context.ts";
import { startDiagnosis } from "../../flows/diagnose.ts";

export const DIAGNOSE_CNI_CALLBACK = "diagnose_cni";

export function diagnoseCniShortcut(flows: SlackFlows) {
  return async ({
    ack,
    shortcut,
  }: SlackShortcutMiddlewareArgs<MessageShortcut> & AllMiddlewareArgs): Promise<void> => {
    await ack();
    const message = shortcut.message as { ts: string; thread_ts?: string };
    startDiagnosis(
      flows,
      { kind: "diagnose" },
      {
        user: shortcut.user.id,
        channel: shortcut.channel.id,
        threadTs: message.thread_ts ?? message.ts,
        text: "Diagnose CNI (shortcut)",
        requestId: `shortcut:${shortcut.trigger_id}`,
      },
    );
  };
}
