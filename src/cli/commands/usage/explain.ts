import type { CommandUsage } from "../../command.ts";

/** `cni-doctor explain`: what --help shows and the arguments it parses; the implementation is ../explain.ts. */
export const explainUsage: CommandUsage = {
  name: "explain",
  summary: "Explain a pod-network (CNI) event message in plain words: what failed, why, what to check.",
  positionals: "[MESSAGE...]",
  options: {
    json: {
      type: "boolean",
      description: "Print one JSON object per message (family, cni, phase, runtime, …).",
    },
  },
  details: [
    "Each MESSAGE is one kubelet event or node-condition message, e.g. the text of a FailedCreatePodSandBox,",
    "FailedKillPod or NetworkNotReady event. Without MESSAGE, reads one message per line from stdin:",
    "",
    "  kubectl get events -A --field-selector reason=FailedCreatePodSandBox -o jsonpath='{range .items[*]}{.message}{\"\\n\"}{end}' \\",
    "    | cni-doctor explain",
  ].join("\n"),
};
