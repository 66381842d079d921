/** Every listener, registered by kind: one file per listener under listeners/<kind>/ (Bolt's starter layout). */
import type { App } from "@slack/bolt";
import type { CniBot } from "../bot.ts";
import { registerActions } from "./actions/index.ts";
import { registerCommands } from "./commands/index.ts";
import { registerEvents } from "./events/index.ts";
import { registerShortcuts } from "./shortcuts/index.ts";

export function registerListeners(app: App, bot: CniBot): void {
  registerCommands(app, bot);
  registerActions(app, bot);
  registerEvents(app, bot);
  registerShortcuts(app, bot);
}
