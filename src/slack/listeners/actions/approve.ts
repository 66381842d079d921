/** Approve: ack at once; the remediation service decides, at click time, whether this person may. */
import { ACTIONS } from "../../blocks/plan.ts";
import { approveClick } from "../../flows/approve.ts";
import type { SlackFlows } from "../../flows/context.ts";
import { buttonListener } from "./click.ts";

export const approveActionId = ACTIONS.approve;

export function approveAction(flows: SlackFlows) {
  return buttonListener((click) => approveClick(flows, click));
}
