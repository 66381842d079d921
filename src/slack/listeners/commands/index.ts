import type { App } from "@slack/bolt";
import type { CniBot } from "../../bot.ts";
import { CNI_COMMAND, cniCommand } from "./cni.ts";

export function registerCommands(app: App, bot: CniBot): void {
  app.command(CNI_COMMAND, cniCommand(bot));
}
