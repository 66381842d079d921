import type { NodeFilesystem } from "./node-filesystem.ts";
import type { PodIpAllocator } from "./node-ipam.ts";

/** A simulated node's moving parts outside the API: its filesystem and its pod address range. */
export interface SimNode {
  name: string;
  internalIP: string;
  podCIDR: string;
  fs: NodeFilesystem;
  ipam: PodIpAllocator;
  controlPlane: boolean;
}
