import type { App } from "@slack/bolt";
import type { CniBot } from "../../bot.ts";
import { appMention } from "./app-mention.ts";

export function registerEvents(app: App, bot: CniBot): void {
  app.event("app_mention", appMention(bot));
}
