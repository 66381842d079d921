/** Simulated nodes as SSH endpoints. See README.md. */
export type { DropConnectionRule, DropPhase } from "./faults.ts";
export { NodeFaults } from "./faults.ts";
export type { SudoPolicy } from "./interpreter.ts";
export { PrivateKeyText } from "./keys.ts";
export {
  type NodesFileSettings,
  type NodesOutFiles,
  type NodesOutPaths,
  nodesOutPaths,
  renderNodesFile,
  writeNodesOut,
} from "./nodes-out.ts";
export {
  DEFAULT_SIMULATED_USER,
  type NodeCommandEvent,
  type NodeSshEndpoint,
  NodeSshServers,
  SIMULATED_NODE_HOST,
  type SimulatedNodeSpec,
  type StartNodeSshServersOptions,
  startNodeSshServers,
} from "./server.ts";
