/**
 * Not a CNI failure the catalog knows: image pulls, scheduling and volumes land here on purpose.
 */
import type { FailureFamily } from "./family.ts";

export const unrecognisedFailure: FailureFamily = {
  family: "unknown",
  guide: () => ({
    title: "Not a CNI failure this catalog knows",
    whatFailed:
      "The message does not match any known CNI failure. Image pulls, scheduling and volume mounts land here on purpose.",
    likelyCauses: ["A problem outside pod networking, or a CNI error not yet in the catalog."],
    checks: [
      "kubectl describe pod -n <namespace> <pod>",
      "kubectl get events -n <namespace> --field-selector involvedObject.name=<pod>",
    ],
    fix: { automatic: false, summary: "No: cni-doctor only repairs the CNI failures it recognises." },
  }),
  clusterVerdict: () => ({
    rootCause: "unknown",
    confidence: "low",
    facts: ["The sandbox failure does not match a CNI failure cni-doctor knows."],
  }),
};
