import { rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { SimulatedClusterOptions } from "../../sim/index.ts";
import { type CommandSpec, UsageError } from "../command.ts";

export const simCommand: CommandSpec = {
  name: "sim",
  summary:
    "Run the built-in simulated cluster (a Kubernetes API server on 127.0.0.1 with SSH nodes) for demos and tests.",
  options: {
    scenario: {
      type: "string",
      valueName: "NAME|FILE",
      description:
        "Scenario name (see src/sim/scenarios/README.md), large:nodes=N,pods=M,affected=F, or a YAML file. Default: stale-cni-config.",
    },
    port: {
      type: "string",
      valueName: "N",
      description: "API server port on 127.0.0.1 (default: any free port).",
    },
    "kubeconfig-out": {
      type: "string",
      valueName: "PATH",
      description: "Where to write the kubeconfig (default: a file in the system temp dir).",
    },
    "nodes-out": {
      type: "string",
      valueName: "PATH",
      description:
        "Write a nodes file for reaching the simulated nodes over SSH, with a known_hosts file and a client key beside it.",
    },
  },
  details: [
    "Serves on 127.0.0.1 only. The kubeconfig is written once the API server is ready to serve.",
    "Runs until interrupted (Ctrl-C, SIGTERM), then stops and removes the files it wrote.",
  ].join("\n"),
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
          "",
          "Try:",
          `  kubectl --kubeconfig ${kubeconfigPath} get pods -A -o wide`,
          `  npx cni-doctor diagnose --kubeconfig ${kubeconfigPath}${nodesFlag}`,
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
  // Loaded on use: every CLI invocation imports every command, and `diagnose` must not pay for the simulator
  // (about 0.15 s and 15 MB of resident memory at start-up).
  const { ScenarioError, startSimulatedCluster } = await import("../../sim/index.ts");
  try {
    return await startSimulatedCluster(options);
  } catch (err) {
    if (err instanceof ScenarioError) throw new UsageError(err.message);
    throw err;
  }
}
