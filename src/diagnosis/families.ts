/**
 * Plain-words knowledge per failure family, for people: what failed, the likely causes, what to look at (read-only
 * commands only), and whether cni-doctor can repair it after an approval or a human has to act.
 */

import { agentKindForCni, type CniAgentKind } from "../cni/identity.ts";
import type { ClassificationDetails, CniPlugin, Family } from "./classification.ts";

export interface FamilyGuide {
  family: Family;
  /** One line, e.g. "The CNI plugin's API credentials were rejected (HTTP 401)". */
  title: string;
  whatFailed: string;
  likelyCauses: string[];
  /** Read-only commands. `<node>` stands for the node the pod is on; details from the message are filled in. */
  checks: string[];
  fix: {
    /** cni-doctor can repair this itself, behind an approval. */
    automatic: boolean;
    summary: string;
  };
}

/** The agent named in guides; for a CNI without a known agent, a generic stand-in. */
type NodeAgent = Pick<CniAgentKind, "name" | "labelSelector">;

function agentFor(cni: CniPlugin): NodeAgent {
  return (
    agentKindForCni(cni) ?? { name: "the CNI agent (DaemonSet pod)", labelSelector: "<cni-agent-label>" }
  );
}

function agentPodCheck(agent: NodeAgent): string {
  return `kubectl get pods -A -l ${agent.labelSelector} -o wide --field-selector spec.nodeName=<node>`;
}

const LIST_CNI_CONFIG = "ssh <node> sudo ls -la --time-style=full-iso /etc/cni/net.d";

type GuideBuilder = (cni: CniPlugin, agent: NodeAgent) => Omit<FamilyGuide, "family">;

const GUIDES: Record<Family, GuideBuilder> = {
  "cni-credentials-rejected": (cni, agent) => ({
    title: "The CNI plugin's API credentials were rejected (HTTP 401)",
    whatFailed:
      "The CNI plugin on the node called the Kubernetes API with the token in its kubeconfig and the API server " +
      "refused it. Pod set-up and tear-down both fail on that node until the credentials are replaced.",
    likelyCauses: [
      "Stale CNI config from an earlier cluster: the node was reused after `kubeadm reset` (which leaves /etc/cni/net.d) and the kubeconfig belongs to the old cluster.",
      `The token expired and was not refreshed: ${agent.name} on the node is down, crash-looping or cannot write the file.`,
      "The token was revoked before expiry: service-account signing key rotated, or the service account deleted and recreated (e.g. a manifest-to-operator migration).",
      "The node's clock is far from the API server's.",
      ...(cni === "calico"
        ? [
            "Calico older than v3.23.2 used a pod-bound token that died with the calico-node pod that minted it.",
          ]
        : []),
    ],
    checks: [
      agentPodCheck(agent),
      LIST_CNI_CONFIG,
      ...(cni === "calico"
        ? [
            // The first two lines are the header install-cni writes; the token further down must never be printed.
            "ssh <node> sudo head -n 2 /etc/cni/net.d/calico-kubeconfig",
          ]
        : []),
      "kubectl get configmap kube-root-ca.crt -n kube-system -o jsonpath='{.data.ca\\.crt}' | openssl x509 -noout -fingerprint -sha256",
      "ssh <node> date -u",
    ],
    fix: {
      automatic: true,
      summary:
        `Yes, after approval: cni-doctor moves the stale CNI config aside (keeping a backup), restarts ${agent.name} ` +
        "on the affected node so it writes fresh credentials, and recreates the stuck pods, one node at a time.",
    },
  }),
  "cni-credentials-forbidden": (_cni, agent) => ({
    title: "The CNI plugin is authenticated but not allowed (HTTP 403, RBAC)",
    whatFailed:
      "The API server accepted the CNI plugin's identity but RBAC does not grant the call it made, so the plugin " +
      "cannot read what it needs to set up or tear down pod networking.",
    likelyCauses: [
      "RBAC out of step with the CNI version: e.g. Calico v3.26+ runs its plugin as the calico-cni-plugin service account, which needs its own ClusterRole and binding.",
      "A ClusterRole or ClusterRoleBinding was edited, deleted, or rebound to another namespace's service account by another installer.",
    ],
    checks: [
      "kubectl auth can-i get <forbidden-resource> --as=system:serviceaccount:<service-account-namespace>:<service-account-name>",
      "kubectl get clusterrolebindings -o wide | grep <service-account-name>",
      agentPodCheck(agent),
    ],
    fix: {
      automatic: false,
      summary:
        "No. A human must apply the RBAC that matches the installed CNI version (re-apply the CNI's manifest, or let " +
        "its operator reconcile). cni-doctor never changes RBAC.",
    },
  }),
  "cni-apiserver-untrusted": (_cni, agent) => ({
    title: "The CNI plugin does not trust the API server's certificate",
    whatFailed:
      "The TLS handshake between the CNI plugin and the API server failed: the CA in the plugin's kubeconfig does not " +
      "match the certificate the API server (or whatever answered on its address) presented.",
    likelyCauses: [
      "The CNI kubeconfig carries the CA of an earlier cluster (node reused without cleaning /etc/cni/net.d).",
      "The cluster CA was rotated and the CNI agent has not rewritten its kubeconfig.",
      "A proxy or load balancer in the path terminates TLS with its own certificate.",
    ],
    checks: [
      "kubectl get configmap kube-root-ca.crt -n kube-system -o jsonpath='{.data.ca\\.crt}' | openssl x509 -noout -fingerprint -sha256",
      LIST_CNI_CONFIG,
      agentPodCheck(agent),
      "ssh <node> curl -sS --max-time 5 -o /dev/null -w '%{http_code}\\n' <api-server>/readyz",
    ],
    fix: {
      automatic: false,
      summary:
        "No. A human must decide which CA is right: remove a config left by an earlier cluster, or restart the CNI " +
        "agent after a CA rotation. cni-doctor shows the fingerprints but does not change trust.",
    },
  }),
  "cni-apiserver-unreachable": (_cni, agent) => ({
    title: "The CNI plugin cannot reach the API server",
    whatFailed:
      "The CNI plugin's call to the API server (normally the kubernetes Service VIP, e.g. 10.96.0.1:443) timed out, " +
      "was refused, or was answered with 'unavailable', so the pod network could not be set up or torn down.",
    likelyCauses: [
      "kube-proxy is not running on the node, so the Service VIP is not programmed.",
      "An HTTP proxy configured for the container runtime does not exclude the service and pod CIDRs.",
      "The API server is overloaded or restarting, or a firewall drops node-to-control-plane traffic.",
    ],
    checks: [
      "kubectl get pods -n kube-system -l k8s-app=kube-proxy -o wide --field-selector spec.nodeName=<node>",
      "ssh <node> curl -sS --max-time 5 -o /dev/null -w '%{http_code}\\n' -k <api-server>/readyz",
      "ssh <node> systemctl show containerd --property=Environment",
      agentPodCheck(agent),
    ],
    fix: {
      automatic: false,
      summary:
        "No. A human must restore the path from the node to the API server (kube-proxy, runtime proxy settings, " +
        "firewall, API server health); the stuck pods recover on their own once it works.",
    },
  }),
  "cni-agent-not-running": (_cni, agent) => ({
    title: "The node-local CNI agent is absent or down",
    whatFailed: `The CNI plugin needs ${agent.name} running on the node, and it is not there or not answering.`,
    likelyCauses: [
      `${agent.name} is crash-looping, still initialising, or not scheduled on the node (taints, resources).`,
      "A leftover config of another CNI in /etc/cni/net.d sorts first and shadows the real one (e.g. a flannel error on a Calico cluster).",
    ],
    checks: [
      agentPodCheck(agent),
      "kubectl logs -n <agent-namespace> <agent-pod> --all-containers --tail=100",
      LIST_CNI_CONFIG,
    ],
    fix: {
      automatic: true,
      summary:
        `Yes, after approval: cni-doctor restarts ${agent.name} on the node; if a leftover config of another CNI ` +
        "shadows the real one, it moves that file aside (with a backup) first.",
    },
  }),
  "cni-plugin-missing": () => ({
    title: "The container runtime cannot find a CNI plugin binary",
    whatFailed:
      "The network config names a plugin (for example loopback, portmap or the CNI's own binary) that is not in any " +
      "directory the runtime searches.",
    likelyCauses: [
      "The CNI's installer copied its binaries to a different directory than the runtime's bin_dir (/opt/cni/bin vs /usr/libexec/cni, k3s data dirs).",
      "The standard plugins package (containernetworking-plugins) is not installed on the node.",
    ],
    checks: [
      "ssh <node> ls -la <plugin-search-path>",
      "ssh <node> sudo grep -n -e bin_dir -e plugin_dirs /etc/containerd/config.toml /etc/crio/crio.conf",
    ],
    fix: {
      automatic: false,
      summary:
        "No. A human must install the missing plugin or point the runtime's plugin directory at where the CNI installs it.",
    },
  }),
  "cni-config-missing": (_cni, agent) => ({
    title: "No usable CNI configuration on the node",
    whatFailed:
      "The container runtime found no network configuration it can load, so it cannot give any pod a network; the " +
      "node reports NetworkReady=false.",
    likelyCauses: [
      "No CNI is installed yet, or its agent has not reached the step that writes the config.",
      "The runtime reads a different conf dir than the one the CNI writes to (k3s, microk8s, operator confDir).",
      "The runtime loaded its config before the file existed and has not picked it up.",
    ],
    checks: [
      LIST_CNI_CONFIG,
      agentPodCheck(agent),
      "ssh <node> sudo grep -n -e conf_dir -e network_dir /etc/containerd/config.toml /etc/crio/crio.conf",
    ],
    fix: {
      automatic: true,
      summary:
        `Partly, after approval: cni-doctor can restart ${agent.name} on the node so its installer writes the config ` +
        "again. If no CNI is installed, or the runtime reads another directory, a human must act.",
    },
  }),
  "ip-exhausted": () => ({
    title: "IPAM has no address to give",
    whatFailed: "The CNI's IP address management could not allocate an address for the pod.",
    likelyCauses: [
      "Leaked reservations: host-local keeps one file per address under /var/lib/cni/networks/<network>, and a runtime crash can leave them behind.",
      "The node's pod CIDR (or the Calico pool / block size, the subnet of an AWS ENI) is too small for the pods scheduled there.",
      "Cilium refuses addresses in a pod CIDR that overlaps a route already on the node.",
    ],
    checks: [
      "kubectl get pods -A -o wide --field-selector spec.nodeName=<node>",
      "kubectl get node <node> -o jsonpath='{.spec.podCIDR}'",
      "ssh <node> sudo sh -c 'ls /var/lib/cni/networks/*/ | wc -l'",
    ],
    fix: {
      automatic: false,
      summary:
        "No. A human must add address space (pool, subnet, pod CIDR) or clear leaked reservations after checking they are unused.",
    },
  }),
  "bridge-address-conflict": () => ({
    title: "A stale bridge from an earlier pod CIDR",
    whatFailed:
      "The bridge plugin wanted to give the bridge (usually cni0) the gateway address of the node's current pod CIDR, " +
      "but the bridge already holds an address from another CIDR.",
    likelyCauses: [
      "The node rejoined the cluster (or flannel leased a new subnet) and got a different pod CIDR.",
      "A bridge from an earlier CNI installation was never removed.",
    ],
    checks: [
      "ssh <node> ip -4 addr show cni0",
      "kubectl get node <node> -o jsonpath='{.spec.podCIDR}'",
      "ssh <node> cat /run/flannel/subnet.env",
    ],
    fix: {
      automatic: false,
      summary:
        "No. A human must delete the stale bridge (ip link delete cni0) in a maintenance window: it cuts every pod on that node.",
    },
  }),
  unknown: () => ({
    title: "Not a CNI failure this catalog knows",
    whatFailed:
      "The message does not match any known CNI failure. Image pulls, scheduling and volume mounts land here on purpose.",
    likelyCauses: ["A problem outside pod networking, or a CNI error not yet in the catalog."],
    checks: [
      "kubectl describe pod -n <namespace> <pod>",
      "kubectl get events -n <namespace> --field-selector involvedObject.name=<pod>",
    ],
    fix: { automatic: false, summary: "No: cni-doctor only repairs the CNI failures it recognises." },
  }),
};

/** The guide for a family, with the CNI's agent and whatever the message told us filled into the commands. */
export function familyGuide(
  family: Family,
  cni: CniPlugin = "unknown",
  details: ClassificationDetails = {},
): FamilyGuide {
  const guide = GUIDES[family](cni, agentFor(cni));
  return { family, ...guide, checks: guide.checks.map((command) => fillPlaceholders(command, details)) };
}

function fillPlaceholders(command: string, details: ClassificationDetails): string {
  const [saNamespace, saName] = details.serviceAccount?.split("/") ?? [];
  const values: Record<string, string | undefined> = {
    "<namespace>": details.namespace,
    "<pod>": details.pod,
    "<api-server>": details.apiServer,
    "<forbidden-resource>": details.forbiddenResource,
    "<service-account-namespace>": saNamespace,
    "<service-account-name>": saName,
    "<plugin-search-path>": details.pluginSearchPath?.join(" "),
  };
  let filled = command;
  for (const [placeholder, value] of Object.entries(values)) {
    if (value && isShellInert(value)) filled = filled.split(placeholder).join(value);
  }
  return filled;
}

/**
 * The values come from an untrusted message and people paste these commands into a shell: only substitute text made
 * of characters no shell gives meaning to (names, addresses, paths); anything else keeps its placeholder.
 */
function isShellInert(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    const safe =
      (code >= 0x30 && code <= 0x39) ||
      (code >= 0x41 && code <= 0x5a) ||
      (code >= 0x61 && code <= 0x7a) ||
      "-_./:@[] ".includes(value[i] as string);
    if (!safe) return false;
  }
  return value.length <= 512;
}
