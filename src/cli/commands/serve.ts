import { ConfigError, loadConfig, loadSlackSettings } from "../../config.ts";
import { ClusterConfigError } from "../../kube/cluster-config.ts";
import { startCniDoctorBot } from "../../slack/start.ts";
import { type CommandSpec, UsageError } from "../command.ts";

export const serveCommand: CommandSpec = {
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
    "Settings come from the environment (see .env.example): SLACK_BOT_TOKEN, and SLACK_APP_TOKEN for Socket Mode or",
    "SLACK_SIGNING_SECRET for HTTP mode on PORT at /slack/events; CNI_DOCTOR_CLUSTERS, CNI_DOCTOR_CHANNEL_CLUSTERS,",
    "CNI_DOCTOR_APPROVERS, CNI_DOCTOR_NODES_FILE and the remediation policy. Logs are JSON lines on stderr.",
    "SIGINT or SIGTERM stops taking requests and waits up to 30 s for running work before exiting.",
  ].join("\n"),
  async run(args, io) {
    let bot: Awaited<ReturnType<typeof startCniDoctorBot>>;
    try {
      const config = loadConfig(io.env);
      const slack = loadSlackSettings(io.env);
      bot = await startCniDoctorBot({
        config,
        slack,
        env: io.env,
        ...(args.values.kubeconfig ? { kubeconfigPath: args.values.kubeconfig as string } : {}),
      });
    } catch (err) {
      if (err instanceof ConfigError || err instanceof ClusterConfigError) throw new UsageError(err.message);
      throw err;
    }
    io.stderr.write(
      `cni-doctor serve: connected to Slack (${bot.mode === "socket" ? "Socket Mode" : `HTTP, ${bot.eventsUrl}`}); Ctrl-C to stop.\n`,
    );
    const signal = await new Promise<string>((resolve) => {
      process.once("SIGINT", () => resolve("SIGINT"));
      process.once("SIGTERM", () => resolve("SIGTERM"));
    });
    io.stderr.write(`cni-doctor serve: ${signal}: finishing running work (up to 30 s)…\n`);
    await bot.stop(30_000);
    return 0;
  },
};
