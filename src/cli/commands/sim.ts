import { rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { SimulatedClusterOptions } from "../../sim/index.ts";
import { type CommandSpec, UsageError } from "../command.ts";
import { simUsage } from "./usage/sim.ts";

export const simCommand: CommandSpec = {
  ...simUsage,
  async run(args, io) {
    const scenario = (args.values.scenario as string | undefined) ?? "stale-cni-config";
    const port = parsePort(args.values.port as string | undefined);
    const kubeconfigPath = resolve(
      (args.values["kubeconfig-out"] as string | undefined) ??
        join(tmpdir(), `cni-doctor-sim-${process.pid}.kubeconfig`),
    );

    const stopRequested = new Promise<string>((done) => {
      process.once("SIGINT", () => done("SIGINT"));
      process.once("SIGTERM", () => done("SIGTERM"));
    });
    const cluster = await startSimulation({ scenario, port });
    const written: string[] = [];
    try {
      // As `kubectl apply -k manifests/` would (the simulator serves no apply): the bot's Namespace, ServiceAccount
      // and RBAC, so `fix`, `runs` and `pause` find their namespace, exactly as the demo installs them.
      const identity = await installBotIdentity(cluster);
      await writeFile(kubeconfigPath, cluster.kubeconfig(), { mode: 0o600 });
      written.push(kubeconfigPath);
      const nodesOut = args.values["nodes-out"] as string | undefined;
      const nodes = nodesOut ? await cluster.writeNodesOut(resolve(nodesOut)) : null;
      if (nodes) written.push(nodes.nodesFile, nodes.knownHostsFile, nodes.privateKeyFile);
      const nodesFlag = nodes ? ` --nodes-file ${nodes.nodesFile}` : "";
      io.stdout.write(
        [
          `Simulated cluster '${scenario}' is serving at ${cluster.url}`,
          `  kubeconfig      ${kubeconfigPath}`,
          ...(nodes
            ? [
                `  nodes file      ${nodes.nodesFile}`,
                `  known_hosts     ${nodes.knownHostsFile}`,
                `  client key      ${nodes.privateKeyFile}`,
              ]
            : []),
          `  CA fingerprint  ${cluster.caFingerprint}`,
          `  bot identity    ${identity} from manifests/ (as kubectl apply -k manifests/)`,
          "",
          "Try:",
          `  kubectl --kubeconfig ${kubeconfigPath} get pods -A -o wide`,
          `  npx cni-doctor diagnose --kubeconfig ${kubeconfigPath}${nodesFlag}`,
          ...(nodes
            ? [
                `  npx cni-doctor fix --kubeconfig ${kubeconfigPath}${nodesFlag} --dry-run`,
                `  npx cni-doctor fix --kubeconfig ${kubeconfigPath}${nodesFlag}`,
                `  npx cni-doctor runs --kubeconfig ${kubeconfigPath}`,
              ]
            : []),
          "",
          "Press Ctrl-C to stop.",
          "",
        ].join("\n"),
      );
      const signal = await stopRequested;
      io.stdout.write(`Received ${signal}; stopping the simulated cluster.\n`);
    } finally {
      await cluster.stop();
      await Promise.all(written.map((f) => rm(f, { force: true })));
    }
    return 0;
  },
};

function parsePort(raw: string | undefined): number {
  if (raw === undefined) return 0;
  const port = Number(raw);
  if (!/^\d+$/.test(raw) || port > 65535)
    throw new UsageError(`--port must be a number from 0 to 65535, got '${raw}'`);
  return port;
}

/** Starts the simulated cluster; a scenario that cannot be loaded is the user's input to fix (exit 2). */
export async function startSimulation(options: SimulatedClusterOptions) {
  // Loaded on use: the registry already imports this file only when `sim` runs (src/cli/commands/index.ts), and
  // whatever else imports it must not pay for the simulator either (about 0.15 s and 15 MB of resident memory).
  const { ScenarioError, startSimulatedCluster } = await import("../../sim/index.ts");
  try {
    return await startSimulatedCluster(options);
  } catch (err) {
    if (err instanceof ScenarioError) throw new UsageError(err.message);
    throw err;
  }
}

/** Applies the bot's identity objects from manifests/ as the cluster's admin; returns what was applied, in words. */
async function installBotIdentity(cluster: Awaited<ReturnType<typeof startSimulation>>): Promise<string> {
  // Loaded on use, like the simulator itself.
  const { applyManifests, identityManifests, kubeRest } = await import("../../demo/kube-rest.ts");
  const objects = identityManifests();
  await applyManifests(kubeRest(cluster.url, cluster.caPem, cluster.adminToken), objects);
  const namespace = objects.find((o) => o.kind === "Namespace")?.metadata.name ?? "(none)";
  const roles = objects.filter((o) => o.kind.endsWith("Role")).length;
  const bindings = objects.filter((o) => o.kind.endsWith("RoleBinding")).length;
  return `Namespace ${namespace}, ServiceAccount, ${roles} roles and ${bindings} bindings`;
}
