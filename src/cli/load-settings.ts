import { type Config, ConfigError, loadConfig } from "../config.ts";
import { ClusterConfigError, type LoadedCluster, loadCluster } from "../kube/cluster-config.ts";
import { type ParsedArgs, UsageError } from "./command.ts";

/** The validated environment and the cluster the --kubeconfig/--context options select; bad input is a usage error. */
export function loadSettings(
  values: ParsedArgs["values"],
  env: NodeJS.ProcessEnv,
): { config: Config; cluster: LoadedCluster } {
  try {
    return {
      config: loadConfig(env),
      cluster: loadCluster({
        kubeconfigPath: values.kubeconfig as string | undefined,
        context: values.context as string | undefined,
      }),
    };
  } catch (err) {
    if (err instanceof ClusterConfigError || err instanceof ConfigError) throw new UsageError(err.message);
    throw err;
  }
}
