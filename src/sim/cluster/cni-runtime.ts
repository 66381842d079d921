import { readKubeconfig } from "./cni-files.ts";
import type { NodeFilesystem } from "./node-filesystem.ts";
import { CALICO_NODENAME_FILE } from "./node-filesystem.ts";
import type { TokenAuthority } from "./token-authority.ts";

/**
 * What containerd's CNI layer would do for a pod on this node right now, decided from the node's real conf dir:
 * not ready (no config), or the first config's plugin succeeds or fails with that plugin's own error.
 */
export type NetworkVerdict =
  | { kind: "not-ready"; message: string }
  | { kind: "ok"; pluginType: string }
  | { kind: "plugin-error"; pluginType: string; addError: string; delError: string };

/** The runtime's NetworkReady=false text once no CNI config has been loaded (containerd 1.6+). */
export const CNI_NOT_INITIALIZED =
  "NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized";

const CALICO_UNAUTHORIZED = "error getting ClusterInformation: connection is unauthorized: Unauthorized";
const CALICO_NODENAME_MISSING =
  "stat /var/lib/calico/nodename: no such file or directory: check that the calico/node container is running and has mounted /var/lib/calico/";
const CILIUM_AGENT_UNREACHABLE =
  'unable to connect to Cilium daemon: failed to create cilium agent client after 30.000000 seconds timeout: Get "http:///var/run/cilium/cilium.sock/v1/config": dial unix /var/run/cilium/cilium.sock: connect: no such file or directory\nIs the agent running?';

/** Where thick Multus's shim finds the Multus daemon (multus-cni's default socket dir /run/multus). */
export const MULTUS_SOCKET = "/run/multus/multus.sock";

export interface CniRuntimeContext {
  authority: TokenAuthority;
  /** Whether a cilium agent serves the CNI plugin's socket on the node (cluster/cilium-agent.ts). */
  ciliumAgentRunning?: (node: string) => boolean;
}

/** Decides the node's current network verdict. Reads the conf dir and judges Calico's token on every call. */
export async function judgeNodeNetwork(
  fs: NodeFilesystem,
  context: CniRuntimeContext,
): Promise<NetworkVerdict> {
  const config = fs.firstCniConfig();
  if (!config) return { kind: "not-ready", message: CNI_NOT_INITIALIZED };
  // biome-ignore lint/suspicious/noExplicitAny: CNI network config JSON
  let parsed: any;
  try {
    parsed = JSON.parse(config.content);
  } catch (err) {
    // containerd refuses to load a config it cannot parse and stays not ready.
    return {
      kind: "not-ready",
      message: `NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: failed to load cni config: ${(err as Error).message}`,
    };
  }
  // biome-ignore lint/suspicious/noExplicitAny: CNI network config JSON
  const plugin: any = Array.isArray(parsed?.plugins) ? parsed.plugins[0] : parsed;
  const pluginType: string = typeof plugin?.type === "string" ? plugin.type : "";
  if (pluginType === "calico") return judgeCalico(fs, plugin, context);
  if (pluginType === "cilium-cni") {
    if (context.ciliumAgentRunning?.(fs.node)) return { kind: "ok", pluginType };
    return pluginError(pluginType, CILIUM_AGENT_UNREACHABLE);
  }
  if (pluginType === "multus-shim") return judgeMultusShim(fs);
  // Plugins the simulation does not model (bridge, flannel...) are treated as working: nothing in the scenarios relies
  // on them failing, and a wrong failure text would be worse than none.
  return { kind: "ok", pluginType };
}

/**
 * Thick Multus's shim sends every ADD and DEL to the Multus daemon over its socket and fails when it cannot
 * (k8snetworkplumbingwg/multus-cni pkg/server/api/shim.go: `CmdAdd (shim): failed to send CNI request: ...`; the
 * message as in multus-cni#1165). The simulation never runs a Multus daemon (no kube-multus-ds): a socket file left
 * behind refuses the connection, and without one the dial finds nothing.
 */
function judgeMultusShim(fs: NodeFilesystem): NetworkVerdict {
  const dial = `dial unix ${MULTUS_SOCKET}: connect: ${fs.exists(MULTUS_SOCKET) ? "connection refused" : "no such file or directory"}`;
  const failure = (op: "CmdAdd" | "CmdDel") =>
    `${op} (shim): failed to send CNI request: Post "http://dummy/cni": ${dial}`;
  return {
    kind: "plugin-error",
    pluginType: "multus-shim",
    addError: `plugin type="multus-shim" name="multus-cni-network" failed (add): ${failure("CmdAdd")}`,
    delError: `plugin type="multus-shim" name="multus-cni-network" failed (delete): ${failure("CmdDel")}`,
  };
}

async function judgeCalico(
  fs: NodeFilesystem,
  // biome-ignore lint/suspicious/noExplicitAny: CNI plugin config JSON
  plugin: any,
  context: CniRuntimeContext,
): Promise<NetworkVerdict> {
  // The plugin waits for calico/node to have recorded the node name before anything else (unless told not to).
  if (plugin.nodename_file_optional !== true && !fs.exists(plugin.nodename_file ?? CALICO_NODENAME_FILE)) {
    return pluginError("calico", CALICO_NODENAME_MISSING);
  }
  const kubeconfigPath: string = plugin.kubernetes?.kubeconfig ?? "/etc/cni/net.d/calico-kubeconfig";
  const text = fs.read(kubeconfigPath);
  if (text === undefined) return pluginError("calico", `stat ${kubeconfigPath}: no such file or directory`);
  const kubeconfig = readKubeconfig(text);
  if (!kubeconfig?.server) {
    return pluginError(
      "calico",
      "invalid configuration: no configuration has been provided, try setting KUBERNETES_MASTER environment variable",
    );
  }
  // The plugin's first API call is GET ClusterInformation "default" with the kubeconfig's bearer token. A rejected
  // token is a 401, which libcalico-go reports as "connection is unauthorized: Unauthorized".
  //
  // TLS trust is deliberately not judged: the incidents this models (stale and expired kubeconfigs) surface as
  // Unauthorized, and the kubeconfig's CA is evidence for the diagnosis rather than a separate failure here.
  const verdict = kubeconfig.token
    ? await context.authority.review(kubeconfig.token)
    : { authenticated: false };
  if (!verdict.authenticated) return pluginError("calico", CALICO_UNAUTHORIZED);
  return { kind: "ok", pluginType: "calico" };
}

function pluginError(pluginType: string, error: string): NetworkVerdict {
  return {
    kind: "plugin-error",
    pluginType,
    addError: `plugin type="${pluginType}" failed (add): ${error}`,
    delError: `plugin type="${pluginType}" failed (delete): ${error}`,
  };
}

/** containerd's FailedCreatePodSandBox message (CRI RunPodSandbox) for a CNI ADD failure. */
export function sandboxCreateFailure(sandboxId: string, addError: string): string {
  return `Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "${sandboxId}": ${addError}`;
}

/** The kubelet's FailedKillPod message when StopPodSandbox fails on CNI DEL. */
export function killPodFailure(podUid: string, sandboxId: string, delError: string): string {
  const inner = `rpc error: code = Unknown desc = failed to destroy network for sandbox "${sandboxId}": ${delError}`;
  return `error killing pod: failed to "KillPodSandbox" for "${podUid}" with KillPodSandboxError: ${JSON.stringify(inner)}`;
}
