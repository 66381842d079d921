/**
 * What a person checks for one CNI, in that CNI's own terms and commands. The failure families (src/diagnosis/families)
 * say what failed in general; a CNI's guide replaces their generic checks and causes where the CNI has its own (AWS VPC
 * CNI's IP exhaustion is ENI and subnet limits, not host-local files). Commands are read-only: they are shown to people
 * and never run by cni-doctor. `<node>`, `<agent-pod>` and friends are filled in where the message or the cluster told.
 */
import type { CniPlugin, Family } from "../diagnosis/message/classification.ts";

export interface CniGuide {
  cni: CniPlugin;
  /** Read-only checks per family; they replace the family's generic checks. */
  checks: Partial<Record<Family, readonly string[]>>;
  /** Likely causes per family; they replace the family's generic causes. */
  causes?: Partial<Record<Family, readonly string[]>>;
  /** What a human does where cni-doctor has no automatic repair, per family. */
  manualFix?: Partial<Record<Family, string>>;
}
