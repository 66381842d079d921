import { parse as parseYaml } from "yaml";

/**
 * Renderers for the files CNI plugins leave in a node's conf dir, in the formats the real installers write, and a
 * reader for Calico's kubeconfig.
 */

/** The in-cluster API address install-cni and calico-node use (KUBERNETES_SERVICE_HOST/PORT). */
export const KUBERNETES_SERVICE_HOST = "10.96.0.1";
export const KUBERNETES_SERVICE_PORT = "443";

/**
 * Both Calico files in the conf dir are root-only. install-cni writes `10-calico.conflist` with TEST_FILE_PERMISSION,
 * default "0600", and chmods it afterwards because os.WriteFile keeps an existing file's mode; it writes
 * `calico-kubeconfig` with os.WriteFile(..., 0o600) and no chmod (projectcalico/calico
 * cni-plugin/pkg/install/install.go writeCNIConfig, writeKubeconfig). calico-node's refresher also writes the
 * kubeconfig 0600 without a chmod (node/pkg/cni/token_watch.go writeKubeconfig).
 */
export const CALICO_CONFLIST_MODE = 0o600;
export const CALICO_KUBECONFIG_MODE = 0o600;

/**
 * Go's net.JoinHostPort: "host:port", with the host in brackets only when it contains a colon (an IPv6 address).
 * install-cni builds the kubeconfig's server with it (install.go calculateKubeconfig), and client-go's
 * rest.InClusterConfig builds the Host calico-node's refresher writes the same way (kubernetes/client-go
 * rest/config.go): `https://10.96.0.1:443`, `https://[fd00:10:96::1]:443`.
 */
export function joinHostPort(host: string, port: string): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

/** KUBERNETES_SERVICE_HOST/PORT as the kubelet injects them into calico-node's containers. */
export interface KubernetesServiceAddress {
  serviceHost?: string;
  servicePort?: string;
}

function serviceServer(address: KubernetesServiceAddress): string {
  return `https://${joinHostPort(address.serviceHost ?? KUBERNETES_SERVICE_HOST, address.servicePort ?? KUBERNETES_SERVICE_PORT)}`;
}

/** 10-calico.conflist as calico/node's install-cni writes it for the Kubernetes datastore. */
export function calicoConflist(options: { nodeName: string; kubeconfigPath: string; mtu?: number }): string {
  const config = {
    name: "k8s-pod-network",
    cniVersion: "0.3.1",
    plugins: [
      {
        type: "calico",
        log_level: "info",
        log_file_path: "/var/log/calico/cni/cni.log",
        datastore_type: "kubernetes",
        nodename: options.nodeName,
        mtu: options.mtu ?? 0,
        ipam: { type: "calico-ipam" },
        policy: { type: "k8s" },
        kubernetes: { kubeconfig: options.kubeconfigPath },
      },
      { type: "portmap", snat: true, capabilities: { portMappings: true } },
      { type: "bandwidth", capabilities: { bandwidth: true } },
    ],
  };
  return `${JSON.stringify(config, null, 2)}\n`;
}

/**
 * calico-kubeconfig as install-cni writes it (projectcalico/calico cni-plugin/pkg/install/install.go
 * calculateKubeconfig): header without the calico/node attribution, server
 * `KUBERNETES_SERVICE_PROTOCOL://net.JoinHostPort(KUBERNETES_SERVICE_HOST, KUBERNETES_SERVICE_PORT)` (no brackets for
 * IPv4), CA unquoted, and the template's trailing newline.
 */
export function calicoKubeconfigFromInstallCni(
  options: { caPem: string; token: string } & KubernetesServiceAddress,
): string {
  return `# Kubeconfig file for Calico CNI plugin.
apiVersion: v1
kind: Config
clusters:
- name: local
  cluster:
    server: ${serviceServer(options)}
    certificate-authority-data: ${Buffer.from(options.caPem).toString("base64")}
users:
- name: calico
  user:
    token: ${options.token}
contexts:
- name: calico-context
  context:
    cluster: local
    user: calico
current-context: calico-context
`;
}

/**
 * calico-kubeconfig as calico/node's token refresher rewrites it (projectcalico/calico node/pkg/cni/token_watch.go
 * writeKubeconfig): the "Installed by calico/node." header, server = rest.Config.Host of the in-cluster config, CA in
 * double quotes, no trailing newline.
 */
export function calicoKubeconfigFromRefresher(
  options: { caPem: string; token: string } & KubernetesServiceAddress,
): string {
  return `# Kubeconfig file for Calico CNI plugin. Installed by calico/node.
apiVersion: v1
kind: Config
clusters:
- name: local
  cluster:
    server: ${serviceServer(options)}
    certificate-authority-data: "${Buffer.from(options.caPem).toString("base64")}"
users:
- name: calico
  user:
    token: ${options.token}
contexts:
- name: calico-context
  context:
    cluster: local
    user: calico
current-context: calico-context`;
}

/** 05-cilium.conflist as cilium-agent writes it (left behind when Cilium is uninstalled without cleanup). */
export function ciliumConflist(): string {
  return `${JSON.stringify(
    {
      cniVersion: "0.3.1",
      name: "cilium",
      plugins: [{ type: "cilium-cni", "enable-debug": false, "log-file": "/var/run/cilium/cilium-cni.log" }],
    },
    null,
    2,
  )}\n`;
}

/**
 * cilium-agent writes `05-cilium.conflist` into the conf dir as it starts (cilium/cilium daemon/cmd/cni; before 1.13,
 * plugins/cilium-cni/cni-install.sh with CNI_CONF_NAME 05-cilium.conflist). Modelled world-readable, as the sim's
 * other non-Calico files; the diagnosis does not judge its mode.
 */
export const CILIUM_CONFLIST_MODE = 0o644;

/**
 * 00-multus.conf as thick Multus's daemon generates it (k8snetworkplumbingwg/multus-cni docs/thick-plugin.md,
 * deployments/multus-daemonset-thick.yml): the `multus-shim` plugin, which hands every ADD and DEL to the Multus
 * daemon over its socket, and the cluster network it delegates to. Named `00-` to sort before every other config.
 */
export function multusShimConf(options: { clusterNetwork: string }): string {
  return `${JSON.stringify({
    cniVersion: "0.3.1",
    name: "multus-cni-network",
    type: "multus-shim",
    logLevel: "verbose",
    logToStderr: true,
    clusterNetwork: options.clusterNetwork,
  })}\n`;
}

export interface CalicoKubeconfig {
  server?: string;
  caData?: string;
  insecureSkipTlsVerify: boolean;
  token?: string;
}

/** Reads the parts of a kubeconfig the Calico CNI plugin uses; undefined when it is not a kubeconfig. */
export function readKubeconfig(text: string): CalicoKubeconfig | undefined {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch {
    return undefined;
  }
  if (!doc || typeof doc !== "object") return undefined;
  // biome-ignore lint/suspicious/noExplicitAny: kubeconfig YAML
  const config = doc as any;
  const contextName = config["current-context"];
  const context =
    (config.contexts ?? []).find((c: { name?: string }) => c?.name === contextName)?.context ??
    config.contexts?.[0]?.context;
  // biome-ignore lint/suspicious/noExplicitAny: kubeconfig YAML
  const cluster = (config.clusters ?? []).find((c: any) => c?.name === context?.cluster)?.cluster;
  // biome-ignore lint/suspicious/noExplicitAny: kubeconfig YAML
  const user = (config.users ?? []).find((u: any) => u?.name === context?.user)?.user;
  return {
    server: cluster?.server,
    caData: cluster?.["certificate-authority-data"],
    insecureSkipTlsVerify: cluster?.["insecure-skip-tls-verify"] === true,
    token: typeof user?.token === "string" ? user.token : undefined,
  };
}
