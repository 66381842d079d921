import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { CommandSpec } from "../command.ts";
import { main } from "../main.ts";
import { startSimulation } from "./sim.ts";

/**
 * The README's first command: the main job, end to end, on the built-in simulated cluster. The product side runs
 * exactly as against a real cluster: it is handed a kubeconfig and nothing else.
 */
export const demoCommand: CommandSpec = {
  name: "demo",
  summary:
    "Start the simulated cluster with an incident, run cni-doctor against it, print what it finds, and exit.",
  options: {
    scenario: {
      type: "string",
      valueName: "NAME",
      description: "Scenario to run (default: stale-cni-config, the first incident report).",
    },
  },
  async run(args, io) {
    const scenario = (args.values.scenario as string | undefined) ?? "stale-cni-config";
    const workDir = await mkdtemp(join(tmpdir(), "cni-doctor-demo-"));
    const cluster = await startSimulation({ scenario, port: 0 });
    try {
      const kubeconfig = join(workDir, "kubeconfig");
      await writeFile(kubeconfig, cluster.kubeconfig(), { mode: 0o600 });
      // Generated large clusters run without SSH nodes; the diagnosis then stays cluster-side and says so.
      const nodes = cluster.ssh ? await cluster.writeNodesOut(join(workDir, "nodes.yaml")) : null;
      const nodeArgs = nodes ? ["--nodes-file", nodes.nodesFile] : [];
      io.stdout.write(
        `Simulated cluster '${scenario}' is up at ${cluster.url}${nodes ? ", its nodes reachable over SSH" : ""}.\n\n$ cni-doctor diagnose${nodes ? " --nodes-file nodes.yaml" : ""}\n`,
      );
      const code = await main(["diagnose", "--kubeconfig", kubeconfig, ...nodeArgs], io);
      io.stdout.write(`\n(diagnose exited ${code}: 0 healthy, 3 findings, 4 incomplete)\n`);
      return code === 0 || code === 3 ? 0 : code;
    } finally {
      await cluster.stop();
      await rm(workDir, { recursive: true, force: true });
    }
  },
};
