import type {
  CniPlugin,
  Family,
  Phase,
  RuntimeForm,
} from "../../../../src/diagnosis/message/classification.ts";

/**
 * One real message, copied from where it was reported, with what the classifier must make of it. `source` names where
 * it was found (`owner/repo#issue`, a URL, a comment) and says whether it was cut or its quotes were rewritten; a
 * message put together from several sources is not a catalog message (those stay in the signature tests, marked
 * "Constructed").
 */
export interface CatalogMessage {
  source: string;
  message: string;
  family: Family;
  cni: CniPlugin;
  phase: Phase;
  runtime: RuntimeForm;
  /** The signature that must match, or null for a message no signature may claim. */
  signature: string | null;
  /** Multus relayed the error of `cni`. */
  wrappedBy?: CniPlugin;
}
