/** `/cni …`: parse, ack at once (help goes straight back in the ack), and hand the rest to its flow. */
import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from "@slack/bolt";
import { parseCniCommand } from "../../command-parser.ts";
import type { SlackFlows } from "../../flows/context.ts";
import { handleRequest, helpMessage } from "../../flows/requests.ts";
import { RecentIds } from "../recent-ids.ts";

export const CNI_COMMAND = "/cni";

/**
 * A signed request stays valid for 5 minutes (Bolt's HTTPReceiver checks the timestamp; docs.slack.dev
 * authentication/verifying-requests-from-slack), so a captured `/cni fix` can be replayed within that window. Each real
 * invocation carries a fresh `trigger_id`, so a payload seen before (same trigger_id, text, user, channel) is a replay:
 * acked and dropped. 1000 payloads outlast 5 minutes of any real channel's commands.
 */
const REPLAY_MEMORY = 1000;

export function cniCommand(flows: SlackFlows) {
  const seen = new RecentIds(REPLAY_MEMORY);
  return async ({ command, ack }: SlackCommandMiddlewareArgs & AllMiddlewareArgs): Promise<void> => {
    // The whole payload, trigger_id included: identical only for a replay of the same signed body.
    const id = JSON.stringify(Object.entries(command).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    if (!seen.add(id)) {
      await ack();
      flows.logger.warn(
        { command: command.command, user: command.user_id },
        "slash command replayed: ignored",
      );
      return;
    }
    const request = parseCniCommand(command.text);
    if (request.kind === "help") {
      const help = helpMessage(flows, request.problem);
      await ack({ response_type: "ephemeral", text: help.text, blocks: help.blocks });
      return;
    }
    await ack();
    handleRequest(flows, request, {
      user: command.user_id,
      channel: command.channel_id,
      text: command.text,
      requestId: `command:${command.trigger_id}`,
    });
  };
}
