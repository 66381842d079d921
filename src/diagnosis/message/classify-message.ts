/**
 * Classifies one kubelet event message (FailedCreatePodSandBox, FailedKillPod, NetworkNotReady) or node-condition
 * message: normalise, read the runtime's wrapping, then try the signature catalog in order.
 *
 * The input is untrusted. Everything here is linear in the capped input and the whole call is guarded, so a message
 * can at worst classify as `unknown`; it can never throw or stall the caller.
 */

import { cniFromPluginType } from "../../cni/identity.ts";
import { resolveCni } from "../cni.ts";
import type { Classification, ClassificationDetails, Family } from "./classification.ts";
import { asciiLowerCase, MAX_MESSAGE_CHARS, normalizeMessage } from "./normalize.ts";
import {
  detectPhase,
  detectRuntime,
  extractPluginError,
  extractPodRef,
  extractSandboxId,
  hasNetworkContext,
  includesAny,
  readPluginRef,
} from "./runtime-wrapping.ts";
import { type MessageFacts, type Signature, signatures } from "./signatures/index.ts";

export function classifyMessage(message: string): Classification {
  try {
    return classify(typeof message === "string" ? message : String(message ?? ""));
  } catch {
    // A bug in a matcher must not take down a diagnosis run over thousands of events; the message simply stays
    // unexplained. The property tests are what keep this branch unreachable.
    return unclassified(typeof message === "string" && message.length > MAX_MESSAGE_CHARS);
  }
}

function classify(message: string): Classification {
  const { text, lower, truncated } = normalizeMessage(message);
  const pluginRef = readPluginRef(text, lower);
  const pluginError = extractPluginError(text, lower);
  const facts: MessageFacts = {
    text,
    lower,
    scope: pluginError ? asciiLowerCase(pluginError) : lower,
    scopeText: pluginError ?? text,
    networkContext: hasNetworkContext(lower),
    pluginType: pluginRef?.type ?? null,
  };
  const signature = findSignature(facts);
  const family: Family = signature?.family ?? "unknown";
  const proven = signature?.proves ?? signature?.provenBy?.(facts);
  const cni = resolveCni({
    proven,
    pluginType: facts.pluginType,
    lowerScope: facts.scope,
    lowerMessage: lower,
  });
  const details = collectDetails(facts, signature);
  if (cni !== "multus" && cni !== "unknown" && wrappedByMultus(facts)) details.wrappedBy = "multus";
  return {
    family,
    cni,
    phase: detectPhase(lower),
    runtime: detectRuntime(lower),
    signature: signature?.id ?? null,
    pluginError,
    details,
    truncated,
  };
}

/**
 * What Multus adds when it relays a delegate's error: its own `multus: [ns/pod…]:` or `Multus: error …` prefix, or the
 * `[ns/pod:network]: error adding container to network "…"` it puts before the delegate's words
 * (ovn-kubernetes/ovn-kubernetes#1523, where no plugin type was printed).
 */
const MULTUS_RELAY_MARKERS = ["multus: [", "multus: error", ']: error adding container to network "'];

/** Multus printed as the plugin libcni ran, or Multus's own words around the delegate's error. */
function wrappedByMultus(facts: MessageFacts): boolean {
  return cniFromPluginType(facts.pluginType) === "multus" || includesAny(facts.scope, MULTUS_RELAY_MARKERS);
}

function findSignature(facts: MessageFacts): Signature | undefined {
  return signatures.find(
    (candidate) => (!candidate.requiresNetworkContext || facts.networkContext) && candidate.matches(facts),
  );
}

function collectDetails(facts: MessageFacts, signature: Signature | undefined): ClassificationDetails {
  const details: ClassificationDetails = {};
  const sandboxId = extractSandboxId(facts.lower);
  if (sandboxId) details.sandboxId = sandboxId;
  const podRef = extractPodRef(facts.lower);
  if (podRef) {
    details.pod = podRef.pod;
    details.namespace = podRef.namespace;
  }
  if (facts.pluginType) details.pluginName = facts.pluginType;
  return { ...details, ...(signature?.details?.(facts) ?? {}) };
}

function unclassified(truncated: boolean): Classification {
  return {
    family: "unknown",
    cni: "unknown",
    phase: "none",
    runtime: "unknown",
    signature: null,
    pluginError: null,
    details: {},
    truncated,
  };
}
