/** Show commands: ack at once; the commands are posted as a job (src/slack/flows/show-commands.ts). */
import { ACTIONS } from "../../blocks/plan.ts";
import type { SlackFlows } from "../../flows/context.ts";
import { showCommandsClick } from "../../flows/show-commands.ts";
import { buttonListener } from "./click.ts";

export const showCommandsActionId = ACTIONS.showCommands;

export function showCommandsAction(flows: SlackFlows) {
  return buttonListener((click) => showCommandsClick(flows, click));
}
