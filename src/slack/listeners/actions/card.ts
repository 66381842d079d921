/** The diagnosis card's buttons: ack at once; Details and Fix… run as jobs (src/slack/flows/card.ts). */
import { CARD_ACTIONS } from "../../blocks/diagnosis.ts";
import { detailsClick, fixClick } from "../../flows/card.ts";
import type { SlackFlows } from "../../flows/context.ts";
import { buttonListener } from "./click.ts";

export const cardFixActionId = CARD_ACTIONS.fix;
export const cardDetailsActionId = CARD_ACTIONS.details;

export function cardFixAction(flows: SlackFlows) {
  return buttonListener((click) => fixClick(flows, click));
}

export function cardDetailsAction(flows: SlackFlows) {
  return buttonListener((click) => detailsClick(flows, click));
}
