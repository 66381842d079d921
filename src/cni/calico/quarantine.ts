/**
 * Which conf dir entries a Calico repair moves aside. For a stale config: Calico's files (calico-kubeconfig, Calico's
 * network configs, anything named calico) and any config of another CNI that sorts before Calico's (it shadows it).
 * For a shadowing config: only the shadowing files. Multus (a delegating meta-plugin) and other CNIs' files sorting
 * after Calico's stay. Pure.
 */
import { DELEGATING_CNIS } from "../identity.ts";
import type { QuarantineDetail, RemediationCase } from "../remediator.ts";
import { CALICO_KUBECONFIG, isCalicoFile } from "./identity.ts";

export function calicoFilesToQuarantine(
  c: RemediationCase,
  backupRoot: string,
  backupDir: string,
): QuarantineDetail {
  const inspection = c.evidence?.inspection;
  if (!inspection) throw new Error(`planning quarantine on ${c.node} without its inspection`);
  const entries = inspection.confDir.entries;
  const reasons: Record<string, string> = {};
  const firstCalico = inspection.configFiles.findIndex((f) => f.cni === "calico");
  const shadowing = inspection.configFiles.filter(
    (f, i) =>
      (firstCalico === -1 || i < firstCalico) &&
      f.cni !== "calico" &&
      !DELEGATING_CNIS.includes(f.cni) &&
      f.cni !== "unknown",
  );
  for (const f of shadowing) {
    reasons[f.name] =
      firstCalico === -1
        ? `${f.cni} config the runtime uses, though no ${f.cni} agent runs`
        : `${f.cni} config sorting before ${inspection.configFiles[firstCalico]?.name}, which it shadows`;
  }
  if (c.rootCause === "stale-cni-config") {
    for (const f of inspection.configFiles)
      if (f.cni === "calico") reasons[f.name] = "Calico network config from an earlier cluster";
    for (const e of entries) {
      if (e.name === CALICO_KUBECONFIG) reasons[e.name] = "Calico CNI kubeconfig from an earlier cluster";
      else if (isCalicoFile(e.name) && !reasons[e.name]) reasons[e.name] = "Calico file install-cni rewrites";
    }
  }
  const present = new Map(entries.map((e) => [e.name, e]));
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
