/**
 * Renders, for a terminal, the runs that left files moved aside (src/remediation/half-done.ts), after a diagnosis:
 * a node whose CNI config a run moved away looks broken for that reason, and the person needs the restore command
 * before anything else. Pure.
 */
import { stripControlCharacters as clean } from "../../diagnosis/index.ts";
import type { HalfDoneLook } from "../../remediation/half-done.ts";
import type { Style } from "./style.ts";

export function renderHalfDoneText(look: HalfDoneLook, style: Style): string {
  if ("unreadable" in look) return `${style.yellow(`! ${clean(look.unreadable)}`)}\n`;
  const lines: string[] = [];
  for (const run of look.runs) {
    const where = run.nodes.map((n) => `${clean(n.node)} (kept in ${clean(n.backupDir)})`).join(", ");
    lines.push(
      run.status === "in-progress"
        ? style.yellow(
            `! Run ${clean(run.runId)} is in progress: CNI files are moved aside on ${where} until it verifies them.`,
          )
        : style.yellow(
            `! Run ${clean(run.runId)} (${run.journalState === "running" ? "its runner died" : run.journalState}) left CNI files moved aside on ${where}; those nodes lack that config until it is restored.`,
          ),
      `  ${run.status === "in-progress" ? "follow it with" : "restore with"}: ${clean(run.command)}`,
    );
  }
  return lines.length > 0 ? `${lines.join("\n")}\n` : "";
}
