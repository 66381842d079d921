/**
 * Which of a node's CNI configs shadow the live CNI's: the container runtime uses only the first config in the conf
 * dir, by byte order (containernetworking/cni libcni/conf.go ConfFiles, sorted; containerd and CRI-O take the first),
 * so every config of another CNI that sorts before the live CNI's first one is in the way. The same for every CNI;
 * each remediator asks it with its own CNI. Pure.
 */
import type { CniPlugin } from "../diagnosis/message/classification.ts";
import type { NodeInspection } from "../diagnosis/model.ts";
import { DELEGATING_CNIS } from "./identity.ts";

export interface ShadowingConfig {
  name: string;
  cni: CniPlugin;
  reason: string;
}

/**
 * The configs sorting before `live`'s first config (all of them when it has none), except the live CNI's own, those
 * whose CNI is unknown, and a delegating meta-plugin's (Multus), which comes first on purpose. The one exception: a
 * delegating config the diagnosis judged a leftover — the node's verdict is shadowing-cni-config while that config is
 * the active one, which refine-root-cause.ts concludes only when no agent of it is deployed.
 */
export function shadowingConfigs(inspection: NodeInspection, live: CniPlugin): ShadowingConfig[] {
  const configs = inspection.configFiles;
  const firstLive = configs.findIndex((f) => f.cni === live);
  const liveName = firstLive === -1 ? null : (configs[firstLive]?.name ?? null);
  const active = configs[0];
  const leftoverDelegate =
    inspection.verdict.rootCause === "shadowing-cni-config" &&
    active !== undefined &&
    DELEGATING_CNIS.includes(active.cni)
      ? active.name
      : null;
  return configs
    .filter(
      (f, i) =>
        (firstLive === -1 || i < firstLive) &&
        f.cni !== live &&
        f.cni !== "unknown" &&
        (!DELEGATING_CNIS.includes(f.cni) || f.name === leftoverDelegate),
    )
    .map((f) => ({
      name: f.name,
      cni: f.cni,
      reason:
        f.name === leftoverDelegate
          ? `${f.cni} config left behind with no ${f.cni} agent deployed; it sorts first${liveName ? `, before ${liveName}` : ""}, and the runtime uses it`
          : liveName === null
            ? `${f.cni} config the runtime uses, though no ${f.cni} agent runs`
            : `${f.cni} config sorting before ${liveName}, which it shadows`,
    }));
}
