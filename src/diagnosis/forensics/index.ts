/** Node forensics: read a node's CNI files over SSH and tell the causes of a CNI failure apart. */
export {
  type ApiServerClock,
  type ClusterReference,
  readClusterReference,
  type ServerClockReading,
} from "./cluster-reference.ts";
export { type InspectNodeInput, inspectNode } from "./inspect-node.ts";
export type * from "./inspection.ts";
export { type RefineInput, refineRootCause } from "./refine-root-cause.ts";
