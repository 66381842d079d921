/**
 * Moving a CNI's files aside, as node commands: the same sequence for every CNI (the runner sends these templates one
 * by one in src/remediation/steps/quarantine-cni-config.ts; the plan shows them rendered).
 */

import type { NodeInspection } from "../diagnosis/model.ts";
import {
  type CommandTemplate,
  checksumFiles,
  listDirectory,
  makeBackupDirectory,
  moveIntoDirectory,
} from "../nodes/index.ts";
import type { QuarantineDetail } from "./remediator.ts";

/** The move of the named conf dir entries (those still listed), each with why it goes, in byte order. Pure. */
export function quarantineDetail(
  inspection: NodeInspection,
  reasons: Record<string, string>,
  backupRoot: string,
  backupDir: string,
): QuarantineDetail {
  const present = new Map(inspection.confDir.entries.map((e) => [e.name, e]));
  const files = Object.keys(reasons)
    .filter((name) => present.has(name))
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return {
    cniConfDir: inspection.cniConfDir,
    backupRoot,
    backupDir,
    files,
    regularFiles: files.filter((f) => present.get(f)?.type === "file"),
    reasons: Object.fromEntries(files.map((f) => [f, reasons[f] ?? ""])),
  };
}

/** The node commands of a quarantine, in the order the runner sends them. */
export function quarantineTemplates(q: QuarantineDetail): CommandTemplate<unknown>[] {
  const within = [q.cniConfDir, q.backupDir];
  const sources = q.files.map((f) => `${q.cniConfDir}/${f}`);
  const templates: CommandTemplate<unknown>[] = [
    makeBackupDirectory(q.backupDir, { within: [q.backupRoot] }),
    listDirectory(q.backupDir, { within: [q.backupDir] }),
  ];
  if (q.regularFiles.length > 0) {
    templates.push(
      checksumFiles(
        q.regularFiles.map((f) => `${q.cniConfDir}/${f}`),
        { within },
      ),
    );
  }
  templates.push(moveIntoDirectory(sources, q.backupDir, { within }));
  if (q.regularFiles.length > 0) {
    templates.push(
      checksumFiles(
        q.regularFiles.map((f) => `${q.backupDir}/${f}`),
        { within },
      ),
    );
  }
  templates.push(listDirectory(q.cniConfDir, { within: [q.cniConfDir] }));
  return templates;
}
