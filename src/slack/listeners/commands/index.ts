import type { App } from "@slack/bolt";
import type { SlackFlows } from "../../flows/context.ts";
import { CNI_COMMAND, cniCommand } from "./cni.ts";

export function registerCommands(app: App, flows: SlackFlows): void {
  app.command(CNI_COMMAND, cniCommand(flows));
}
