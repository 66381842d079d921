/** `/cni …`: parse, ack at once (help goes straight back in the ack), and hand the rest to the bot. */
import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from "@slack/bolt";
import type { CniBot } from "../../bot.ts";
import { parseCniCommand } from "../../command-parser.ts";

export const CNI_COMMAND = "/cni";

export function cniCommand(bot: CniBot) {
  return async ({ command, ack }: SlackCommandMiddlewareArgs & AllMiddlewareArgs): Promise<void> => {
    const request = parseCniCommand(command.text);
    if (request.kind === "help") {
      const help = bot.helpMessage(request.problem);
      await ack({ response_type: "ephemeral", text: help.text, blocks: help.blocks });
      return;
    }
    await ack();
    bot.handle(request, { user: command.user_id, channel: command.channel_id, text: command.text });
  };
}
