/**
 * Each CNI's own verdict on its credentials (the files its plugin authenticates with), for the families whose cause
 * lives there; refine-root-cause.ts asks here by the failing CNI. A CNI without one keeps the cluster-side verdict.
 */

import type { NodeVerdict } from "../diagnosis/forensics/inspection.ts";
import type { RefineInput } from "../diagnosis/forensics/verdict.ts";
import type { CniPlugin } from "../diagnosis/message/classification.ts";
import { judgeCalicoCredentials } from "./calico/credentials-verdict.ts";

/** Judges a node's CNI credentials; `confFacts` are the conf dir lines to keep when the files settle nothing. */
export type CredentialVerdict = (input: RefineInput, confFacts: string[]) => NodeVerdict;

const CREDENTIAL_VERDICTS: ReadonlyMap<CniPlugin, CredentialVerdict> = new Map([
  ["calico", judgeCalicoCredentials],
]);

export function credentialVerdictFor(cni: CniPlugin): CredentialVerdict | undefined {
  return CREDENTIAL_VERDICTS.get(cni);
}
