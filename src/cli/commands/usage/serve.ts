import type { CommandUsage } from "../../command.ts";

/** `cni-doctor serve`: what --help shows and the arguments it parses; the implementation is ../serve.ts. */
export const serveUsage: CommandUsage = {
  name: "serve",
  summary: "Run the Slack bot: /cni diagnose, fix with approval buttons, progress in the incident thread.",
  options: {
    kubeconfig: {
      type: "string",
      valueName: "FILE",
      description: "kubeconfig with the allowed contexts (default: $KUBECONFIG, ~/.kube/config, in-cluster).",
    },
  },
  details: [
    "Settings come from the environment, and from ./.env when that file exists (the real environment wins); see",
    ".env.example: SLACK_BOT_TOKEN, and SLACK_APP_TOKEN for Socket Mode or SLACK_SIGNING_SECRET for HTTP mode on PORT",
    "at /slack/events; CNI_DOCTOR_CLUSTERS, CNI_DOCTOR_CHANNEL_CLUSTERS, CNI_DOCTOR_APPROVERS, CNI_DOCTOR_NODES_FILE",
    "and the remediation policy. Logs are JSON lines on stderr (LOG_LEVEL). GET /healthz, /readyz and /metrics are",
    "served on PORT in both modes. SIGTERM or SIGINT stops taking requests and lets a running fix end after its",
    "current step (journaled as stopped); a second signal or CNI_DOCTOR_SHUTDOWN_TIMEOUT_SECONDS forces exit.",
  ].join("\n"),
};
