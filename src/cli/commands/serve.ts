import { resolve } from "node:path";
import { checkInstallationAtStart, type StartupCheckInput } from "../../check/startup.ts";
import { ConfigError, loadConfig, loadSlackSettings, withDotenvFile } from "../../config.ts";
import { ClusterConfigError } from "../../kube/cluster-config.ts";
import { exitOnFatalError } from "../../ops/fatal.ts";
import { shutdownOnSignal } from "../../ops/shutdown.ts";
import { type CommandSpec, UsageError } from "../command.ts";
import { serveUsage } from "./usage/serve.ts";

export const serveCommand: CommandSpec = {
  ...serveUsage,
  async run(args, io) {
    // Bolt and the bot load only when serving: every other command starts without them.
    const { startCniDoctorBot } = await import("../../slack/start.ts");
    let bot: Awaited<ReturnType<typeof startCniDoctorBot>>;
    let shutdownTimeoutMs: number;
    let checkInput: StartupCheckInput;
    try {
      const { env, loadedFrom } = withDotenvFile(io.env, resolve(".env"));
      const config = loadConfig(env);
      const slack = loadSlackSettings(env);
      shutdownTimeoutMs = slack.shutdownTimeoutMs;
      bot = await startCniDoctorBot({
        config,
        slack,
        env,
        ...(args.values.kubeconfig ? { kubeconfigPath: args.values.kubeconfig as string } : {}),
      });
      checkInput = {
        config,
        slack,
        env,
        kubeconfigPath: args.values.kubeconfig as string | undefined,
      };
      if (loadedFrom) bot.logger.info({ file: loadedFrom }, "settings read from .env under the environment");
    } catch (err) {
      if (err instanceof ConfigError || err instanceof ClusterConfigError) throw new UsageError(err.message);
      throw err;
    }
    exitOnFatalError({
      source: process,
      logger: bot.logger,
      markNotReady: (reason) => bot.readiness.drain(reason),
      exit: (c) => process.exit(c),
    });
    // `cni-doctor check`'s checks, in the background: logged, and summarised in /readyz's body.
    void checkInstallationAtStart(checkInput, bot.logger, (r) => bot.readiness.installationChecked(r));
    io.stderr.write(
      `cni-doctor serve: connected to Slack (${bot.mode === "socket" ? "Socket Mode" : `HTTP, ${bot.eventsUrl}`}); health, readiness and metrics on ${bot.opsUrl}; Ctrl-C to stop.\n`,
    );
    const code = await shutdownOnSignal({
      source: process,
      deadlineMs: shutdownTimeoutMs,
      logger: bot.logger,
      shutdown: (reason, drainMs) => bot.shutdown(reason, drainMs),
      exit: (c) => process.exit(c),
    });
    // Everything is closed; a handle some library left open must not hold the pod until the kubelet's SIGKILL.
    setTimeout(() => process.exit(code), 2_000).unref();
    return code;
  },
};
