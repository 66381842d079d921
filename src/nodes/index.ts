/** Public surface of node access. Code outside src/nodes imports from here, never from ssh2. */
export {
  type BoundedRead,
  type CommandResult,
  type CommandTemplate,
  checksumFiles,
  type DirEntry,
  type DirectoryListing,
  type FileChecksum,
  hasControlCharacters,
  listDirectory,
  makeBackupDirectory,
  moveIntoDirectory,
  type NodeChangingCommand,
  type NodeClockReading,
  type ReadOnlyCommand,
  readFileBounded,
  readNodeClock,
  renderCommandLine,
  validateAbsolutePath,
  validatePathWithin,
} from "./commands.ts";
export { isNodeAccessError, NodeAccessError, type NodeAccessErrorKind } from "./errors.ts";
export { parseKnownHosts, sha256Fingerprint } from "./host-keys.ts";
export {
  DEFAULT_CNI_CONF_DIR,
  type Inventory,
  loadInventory,
  type NodeTarget,
  parseInventory,
  resolveNodeTarget,
  type UnmatchedEntry,
  withClusterNodes,
} from "./inventory.ts";
export {
  detectCniConfDir,
  KubernetesNodeAccess,
  type KubernetesNodeAccessOptions,
  type NodeAgentAdmin,
  type NodeAgentBackend,
} from "./kubernetes-access.ts";
export { type CommandEvent, NodeAccess, type NodeAccessOptions } from "./node-access.ts";
export { type NodeFacts, type NodeReader, type NodeWriter, readOnlyView } from "./node-reader.ts";
export {
  agentPodTransport,
  chooseNodeTransport,
  NODE_ACCESS_CHOICES,
  type NodeAccessChoice,
  type NodeTransport,
  openNodeAccess,
  openSshNodeAccess,
} from "./open-node-access.ts";
export { shellJoin, shellQuote } from "./shell-quote.ts";
