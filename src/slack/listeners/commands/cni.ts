/** `/cni …`: parse, ack at once (help goes straight back in the ack), and hand the rest to its flow. */
import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from "@slack/bolt";
import { parseCniCommand } from "../../command-parser.ts";
import type { SlackFlows } from "../../flows/context.ts";
import { handleRequest, helpMessage } from "../../flows/requests.ts";

export const CNI_COMMAND = "/cni";

export function cniCommand(flows: SlackFlows) {
  return async ({ command, ack }: SlackCommandMiddlewareArgs & AllMiddlewareArgs): Promise<void> => {
    const request = parseCniCommand(command.text);
    if (request.kind === "help") {
      const help = helpMessage(flows, request.problem);
      await ack({ response_type: "ephemeral", text: help.text, blocks: help.blocks });
      return;
    }
    await ack();
    handleRequest(flows, request, { user: command.user_id, channel: command.channel_id, text: command.text });
  };
}
