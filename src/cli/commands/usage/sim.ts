import type { CommandUsage } from "../../command.ts";

/** `cni-doctor sim`: what --help shows and the arguments it parses; the implementation is ../sim.ts. */
export const simUsage: CommandUsage = {
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
};
