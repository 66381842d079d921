import type { ClassificationDetails, CniPlugin, Family } from "../classification.ts";

/** What a signature may look at: the normalised message, split into the runtime's wrapping and the plugin's error. */
export interface MessageFacts {
  /** The whole normalised message (single line, quotes unescaped). */
  text: string;
  /** `text` with ASCII lower-cased; indices match `text`. */
  lower: string;
  /** The plugin's own error, lower-cased, or the whole `lower` message when no plugin error could be cut out. */
  scope: string;
  /** `scope` in its original case, for extracting names and paths. */
  scopeText: string;
  /** The message is about pod networking (sandbox set-up/tear-down or the runtime's network status). */
  networkContext: boolean;
  /** Lower-cased `plugin type="…"` value, if libcni printed one. */
  pluginType: string | null;
}

/**
 * One known CNI failure. Adding a signature = one file exporting one of these, one line in ./index.ts, and a test
 * beside it built from a real message.
 */
export interface Signature {
  /** Stable id, reported as `signature` in the classification, e.g. "calico-unauthorized". */
  readonly id: string;
  readonly family: Exclude<Family, "unknown">;
  /** The CNI this error can only come from, if any (Calico's ClusterInformation, flannel's subnet.env …). */
  readonly proves?: CniPlugin;
  /** The CNI the message itself names, when it depends on the message (the plugin "failed to find plugin" names). */
  provenBy?(facts: MessageFacts): CniPlugin;
  /**
   * Generic wording (Unauthorized, x509, i/o timeout) also appears in image pulls, volume mounts and API calls that
   * have nothing to do with the CNI: such a signature only counts when the message is about pod networking.
   */
  readonly requiresNetworkContext: boolean;
  /** One sentence for people reading the catalog. */
  readonly description: string;
  /** Must be linear in the message length: substring tests on `facts.scope` / `facts.lower`, no regular expressions. */
  matches(facts: MessageFacts): boolean;
  /** Identifiers this kind of message carries (API server, service account …). */
  details?(facts: MessageFacts): ClassificationDetails;
}
