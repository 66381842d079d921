/** Dry run: ack at once; the remediation service decides, at click time, whether this person may. */
import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from "@slack/bolt";
import { ACTIONS } from "../../blocks/plan.ts";
import type { CniBot } from "../../bot.ts";
import { clickOf } from "./click.ts";

export const dryRunActionId = ACTIONS.dryRun;

export function dryRunAction(bot: CniBot) {
  return async ({
    ack,
    body,
    action,
  }: SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs): Promise<void> => {
    await ack();
    const click = clickOf(body, action);
    if (click) bot.dryRun(click);
  };
}
