import type { App, MessageShortcut } from "@slack/bolt";
import type { CniBot } from "../../bot.ts";
import { DIAGNOSE_CNI_CALLBACK, diagnoseCniShortcut } from "./diagnose-cni.ts";

export function registerShortcuts(app: App, bot: CniBot): void {
  app.shortcut<MessageShortcut>(
    { type: "message_action", callback_id: DIAGNOSE_CNI_CALLBACK },
    diagnoseCniShortcut(bot),
  );
}
