/** Every listener, registered by kind: one file per listener under listeners/<kind>/ (Bolt's starter layout). */
import type { App } from "@slack/bolt";
import type { SlackFlows } from "../flows/context.ts";
import { registerActions } from "./actions/index.ts";
import { registerCommands } from "./commands/index.ts";
import { registerEvents } from "./events/index.ts";
import { registerShortcuts } from "./shortcuts/index.ts";

export function registerListeners(app: App, flows: SlackFlows): void {
  registerCommands(app, flows);
  registerActions(app, flows);
  registerEvents(app, flows);
  registerShortcuts(app, flows);
}
