import type { App, BlockAction, ButtonAction } from "@slack/bolt";
import type { SlackFlows } from "../../flows/context.ts";
import { approveAction, approveActionId } from "./approve.ts";
import { cardDetailsAction, cardDetailsActionId, cardFixAction, cardFixActionId } from "./card.ts";
import { dryRunAction, dryRunActionId } from "./dry-run.ts";
import { rejectAction, rejectActionId } from "./reject.ts";
import { showCommandsAction, showCommandsActionId } from "./show-commands.ts";
import { stopAction, stopActionId } from "./stop.ts";

export function registerActions(app: App, flows: SlackFlows): void {
  app.action<BlockAction<ButtonAction>>(approveActionId, approveAction(flows));
  app.action<BlockAction<ButtonAction>>(dryRunActionId, dryRunAction(flows));
  app.action<BlockAction<ButtonAction>>(rejectActionId, rejectAction(flows));
  app.action<BlockAction<ButtonAction>>(stopActionId, stopAction(flows));
  app.action<BlockAction<ButtonAction>>(showCommandsActionId, showCommandsAction(flows));
  app.action<BlockAction<ButtonAction>>(cardFixActionId, cardFixAction(flows));
  app.action<BlockAction<ButtonAction>>(cardDetailsActionId, cardDetailsAction(flows));
}
