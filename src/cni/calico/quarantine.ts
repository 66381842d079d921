/**
 * Which conf dir entries a Calico repair moves aside. For a stale config: Calico's files (calico-kubeconfig, Calico's
 * network configs, anything named calico) and any config of another CNI that sorts before Calico's (it shadows it).
 * For a shadowing config: only the shadowing files (../shadowing.ts). Multus (a delegating meta-plugin, unless it is a
 * leftover with no agent) and other CNIs' files sorting after Calico's stay. Pure.
 */
import { quarantineDetail } from "../quarantine.ts";
import type { QuarantineDetail, RemediationCase } from "../remediator.ts";
import { shadowingConfigs } from "../shadowing.ts";
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
  for (const f of shadowingConfigs(inspection, "calico")) reasons[f.name] = f.reason;
  if (c.rootCause === "stale-cni-config") {
    for (const f of inspection.configFiles)
      if (f.cni === "calico") reasons[f.name] = "Calico network config from an earlier cluster";
    for (const e of entries) {
      if (e.name === CALICO_KUBECONFIG) reasons[e.name] = "Calico CNI kubeconfig from an earlier cluster";
      else if (isCalicoFile(e.name) && !reasons[e.name]) reasons[e.name] = "Calico file install-cni rewrites";
    }
  }
  return quarantineDetail(inspection, reasons, backupRoot, backupDir);
}
