/** A button click as the bot sees it: who, where, and the opaque run id the button carries. Nothing else is trusted. */
import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from "@slack/bolt";
import type { Click } from "../../flows/clicks.ts";

const RUN_ID = /^[A-Za-z0-9._:-]{1,200}$/;

export function clickOf(body: BlockAction, action: ButtonAction): Click | null {
  const runId = action.value ?? "";
  const channel = body.channel?.id ?? body.container?.channel_id;
  const messageTs = body.message?.ts ?? body.container?.message_ts;
  if (!RUN_ID.test(runId) || !channel || !messageTs) return null;
  const threadTs =
    (body.message?.thread_ts as string | undefined) ?? (body.container?.thread_ts as string | undefined);
  return {
    user: body.user.id,
    channel,
    messageTs,
    ...(threadTs ? { threadTs } : {}),
    runId,
    ...(Array.isArray(body.message?.blocks) ? { messageBlocks: body.message.blocks as unknown[] } : {}),
    ...(typeof body.message?.text === "string" ? { messageText: body.message.text } : {}),
  };
}

/**
 * A button's listener: ack at once (Slack's 3-second limit), then hand the click to its flow, which runs the work as a
 * job. Who may do what is decided there, at click time, never from anything the button carries but the run id.
 */
export function buttonListener(handle: (click: Click) => void) {
  return async ({
    ack,
    body,
    action,
  }: SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs): Promise<void> => {
    await ack();
    const click = clickOf(body, action);
    if (click) handle(click);
  };
}
