/** Dry run: ack at once; the remediation service decides, at click time, whether this person may. */
import { ACTIONS } from "../../blocks/plan.ts";
import type { CniBot } from "../../bot.ts";
import { buttonListener } from "./click.ts";

export const dryRunActionId = ACTIONS.dryRun;

export function dryRunAction(bot: CniBot) {
  return buttonListener((click) => bot.dryRun(click));
}
