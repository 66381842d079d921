import type { App, BlockAction, ButtonAction } from "@slack/bolt";
import type { CniBot } from "../../bot.ts";
import { approveAction, approveActionId } from "./approve.ts";
import { dryRunAction, dryRunActionId } from "./dry-run.ts";
import { rejectAction, rejectActionId } from "./reject.ts";
import { stopAction, stopActionId } from "./stop.ts";

export function registerActions(app: App, bot: CniBot): void {
  app.action<BlockAction<ButtonAction>>(approveActionId, approveAction(bot));
  app.action<BlockAction<ButtonAction>>(dryRunActionId, dryRunAction(bot));
  app.action<BlockAction<ButtonAction>>(rejectActionId, rejectAction(bot));
  app.action<BlockAction<ButtonAction>>(stopActionId, stopAction(bot));
}
