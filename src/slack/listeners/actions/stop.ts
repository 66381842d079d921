/** Stop: ack at once; the remediation service decides, at click time, whether this person may. */
import { ACTIONS } from "../../blocks/plan.ts";
import type { CniBot } from "../../bot.ts";
import { buttonListener } from "./click.ts";

export const stopActionId = ACTIONS.stop;

export function stopAction(bot: CniBot) {
  return buttonListener((click) => bot.stop(click));
}
