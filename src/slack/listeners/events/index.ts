import type { App } from "@slack/bolt";
import type { SlackFlows } from "../../flows/context.ts";
import { appMention } from "./app-mention.ts";

export function registerEvents(app: App, flows: SlackFlows): void {
  app.event("app_mention", appMention(flows));
}
