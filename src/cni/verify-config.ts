/**
 * The check every remediator's verification makes first: which config the runtime would now use (the first in the
 * conf dir, as libcni sorts it), and whether it is the live CNI's. Pure.
 */
import type { CniPlugin } from "../diagnosis/message/classification.ts";
import type { NodeForensics } from "../diagnosis/model.ts";
import { DELEGATING_CNIS } from "./identity.ts";

/**
 * The runtime's first config is `live`'s (a fresh one its agent wrote counts, whatever the repair moved), or a
 * delegating meta-plugin's (Multus delegates to the live CNI) that the repair did not move aside; another CNI's config
 * the repair moved aside that is back (rewritten by something still running) fails.
 */
export function judgeActiveConfig(
  f: NodeForensics,
  live: CniPlugin,
  movedAside: readonly string[],
  liveName: string = live,
): { ok: boolean; line: string } {
  const active = f.configFiles[0];
  if (!active) return { ok: false, line: `${f.cniConfDir} holds no CNI config yet.` };
  // The live CNI's own config may well be one the repair moved aside: its agent writes a fresh one as it starts.
  if (active.cni === live) return { ok: true, line: `the runtime uses ${active.name} (${active.cni}).` };
  if (movedAside.includes(active.name)) {
    return {
      ok: false,
      line: `the runtime would use ${active.name} (${active.cni}) again: it was moved aside, and something wrote it back.`,
    };
  }
  if (!DELEGATING_CNIS.includes(active.cni)) {
    return {
      ok: false,
      line: `the runtime would use ${active.name} (${active.cni}), not ${liveName}'s config.`,
    };
  }
  return { ok: true, line: `the runtime uses ${active.name} (${active.cni}).` };
}
