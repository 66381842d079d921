/** Reject: ack at once; the remediation service decides, at click time, whether this person may. */
import { ACTIONS } from "../../blocks/plan.ts";
import { rejectClick } from "../../flows/clicks.ts";
import type { SlackFlows } from "../../flows/context.ts";
import { buttonListener } from "./click.ts";

export const rejectActionId = ACTIONS.reject;

export function rejectAction(flows: SlackFlows) {
  return buttonListener((click) => rejectClick(flows, click));
}
