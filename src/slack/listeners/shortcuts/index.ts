import type { App, MessageShortcut } from "@slack/bolt";
import type { SlackFlows } from "../../flows/context.ts";
import { DIAGNOSE_CNI_CALLBACK, diagnoseCniShortcut } from "./diagnose-cni.ts";

export function registerShortcuts(app: App, flows: SlackFlows): void {
  app.shortcut<MessageShortcut>(
    { type: "message_action", callback_id: DIAGNOSE_CNI_CALLBACK },
    diagnoseCniShortcut(flows),
  );
}
