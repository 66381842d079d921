/**
 * Public surface of diagnosis: front ends and remediation import from here, so the folders inside can change without
 * touching them. Layout (see README.md): message/ reads one kubelet message (normalise, the runtime's wrapping, the
 * signature catalog); families/ says what each failure family means; evidence/ reads the cluster and the nodes;
 * findings/ turns evidence into findings (pure); model.ts is the Diagnosis; diagnose-cluster.ts runs it all.
 */
export { type DiagnoseOptions, diagnoseCluster } from "./diagnose-cluster.ts";
export { FAILURE_FAMILIES, type FamilyGuide, familyGuide } from "./families/index.ts";
export {
  type Classification,
  type ClassificationDetails,
  type CniPlugin,
  FAMILIES,
  type Family,
  type Phase,
  type RuntimeForm,
} from "./message/classification.ts";
export { classifyMessage } from "./message/classify-message.ts";
export { hasControlCharacter, stripControlCharacters } from "./message/normalize.ts";
export type * from "./model.ts";
export { ROOT_CAUSE_TITLES } from "./model.ts";
export { checkScope, type ScopeProblem } from "./scope-check.ts";
export { unusableApiServer } from "./unusable-api-server.ts";
