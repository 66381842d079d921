/** Approve: ack at once; the remediation service decides, at click time, whether this person may. */
import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from "@slack/bolt";
import { ACTIONS } from "../../blocks/plan.ts";
import type { CniBot } from "../../bot.ts";
import { clickOf } from "./click.ts";

export const approveActionId = ACTIONS.approve;

export function approveAction(bot: CniBot) {
  return async ({
    ack,
    body,
    action,
  }: SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs): Promise<void> => {
    await ack();
    const click = clickOf(body, action);
    if (click) bot.approve(click);
  };
}
