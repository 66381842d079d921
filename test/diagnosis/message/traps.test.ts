/**
 * Real sandbox failures that are not CNI failures the catalog knows, or not CNI failures at all: sandbox (pause)
 * image pulls that time out or fail TLS, runtime deadlines and name reservations, storage, plugin config errors and
 * plugin crashes. Each must stay `unknown`: calling an image pull's i/o timeout an unreachable API server, or its x509
 * an untrusted one, sends on-call down the wrong path. Each message's source is beside it.
 */
import { describe, expect, it } from "vitest";
import { classifyMessage } from "../../../src/diagnosis/message/classify-message.ts";

const TRAPS: [source: string, message: string][] = [
  // Sandbox image pulls (not pod networking, even though the sandbox failed)
  [
    "kubernetes/kubernetes#62732",
    `Error syncing pod cbc9323f-4200-11e8-87a9-fa163ef77358 ("kube-dns-96bc87b87-x8wcl_kube-system(cbc9323f-4200-11e8-87a9-fa163ef77358)"), skipping: failed to "CreatePodSandbox" for "kube-dns-96bc87b87-x8wcl_kube-system(cbc9323f-4200-11e8-87a9-fa163ef77358)" with CreatePodSandboxError: "CreatePodSandbox for pod \\"kube-dns-96bc87b87-x8wcl_kube-system(cbc9323f-4200-11e8-87a9-fa163ef77358)\\" failed: rpc error: code = Unknown desc = failed to get sandbox image \\"k8s.gcr.io/pause:3.1\\": failed to pull image \\"k8s.gcr.io/pause:3.1\\": failed to resolve image \\"k8s.gcr.io/pause:3.1\\": failed to do request: Head https://k8s.gcr.io/v2/pause/manifests/3.1: dial tcp 108.177.97.82:443: i/o timeout"`,
  ],
  [
    "rootless-containers/usernetes#240",
    `Failed to create pod sandbox: rpc error: code = Unknown desc = failed to get sandbox image "k8s.gcr.io/pause:3.5": failed to pull image "k8s.gcr.io/pause:3.5": failed to pull and unpack image "k8s.gcr.io/pause:3.5": failed to resolve reference "k8s.gcr.io/pause:3.5": failed to do request: Head "https://k8s.gcr.io/v2/pause/manifests/3.5"`,
  ],
  [
    "rancher/k3os#155",
    `RunPodSandbox from runtime service failed: rpc error: code = Unknown desc = failed to get sandbox image "k8s.gcr.io/pause:3.1": failed to pull image "k8s.gcr.io/pause:3.1": failed to resolve image "k8s.gcr.io/pause:3.1": no available registry endpoint: failed to do request: Head https://k8s.gcr.io/v2/pause/manifests/3.1: dial tcp 74.125.203.82:443: i/o timeout`,
  ],
  [
    "rancher/k3os#155 (comment)",
    `Failed create pod sandbox: rpc error: code = Unknown desc = failed to get sandbox image "k8s.gcr.io/pause:3.1": failed to pull image "k8s.gcr.io/pause:3.1": failed to resolve image "k8s.gcr.io/pause:3.1": no available registry endpoint: failed to do request: Head https://k8s.gcr.io/v2/pause/manifests/3.1: x509: certificate has expired`,
  ],
  [
    "k3s-io/k3s#10926",
    `Failed to create pod sandbox: rpc error: code = DeadlineExceeded desc = failed to get sandbox image "rancher/mirrored-pause:3.6": failed to pull image "rancher/mirrored-pause:3.6": failed to pull and unpack image "docker.io/rancher/mirrored-pause:3.6": failed to resolve reference "docker.io/rancher/mirrored-pause:3.6": failed to do request: Head "https://registry-1.docker.io/v2/rancher/mirrored-pause/manifests/3.6": dial tcp 116.89.243.8:443: i/o timeout`,
  ],
  [
    "opsnull/follow-me-install-kubernetes-cluster#639",
    `Failed create pod sandbox: rpc error: code = Unknown desc = failed pulling image "registry.cn-beijing.aliyuncs.com/images_k8s/pause-amd64:3.1": Error response from daemon: pull access denied for registry.cn-beijing.aliyuncs.com/images_k8s/pause-amd64, repository does not exist or may require 'docker login'`,
  ],
  [
    "NixOS/nixpkgs#39833",
    `CreatePodSandbox for pod "nfs-provisioner-nfs-server-provisioner-0_kube-system(fa317e4b-4d83-11e8-9865-ee4900000000)" failed: rpc error: code = Unknown desc = failed pulling image "pause": Error response from daemon: pull access denied for pause, repository does not exist or may require 'docker login'`,
  ],
  // Runtime deadlines, storage and sandbox name reservations (CRI-O)
  [
    "okd-project/okd#271",
    "Failed to create pod sandbox: rpc error: code = DeadlineExceeded desc = context deadline exceeded",
  ],
  [
    "okd-project/okd#271",
    `Failed to create pod sandbox: rpc error: code = Unknown desc = error creating pod sandbox with name "k8s_grafana-ff56fd59c-z7hdx_openshift-monitoring_23d28aab-1226-481f-aa3e-b58605370a66_0": layer not known`,
  ],
  [
    "okd-project/okd#271",
    "Failed to create pod sandbox: rpc error: code = Unknown desc = reserving pod sandbox name: error reserving pod name k8s_grafana-ff56fd59c-z7hdx_openshift-monitoring_23d28aab-1226-481f-aa3e-b58605370a66_0 for",
  ],
  // Plugin config and plugin crashes: CNI failures, but of no family cni-doctor knows
  [
    "antrea-io/antrea#2881",
    `Failed to create pod sandbox: rpc error: code = Unknown desc = failed to set up sandbox container "f9cb7ed8eb4d62ab19a9d683de7b8b786b6028aaa849dcf97bfacabcd19de0d3" network for pod "sample-app-64dfd95847-hlvm9": networkPlugin cni failed to set up pod "sample-app-64dfd95847-hlvm9_antrea-test" network: Network configuration does not support key prevResult and value`,
  ],
  [
    "Azure/azure-container-networking#264",
    `Failed create pod sandbox: rpc error: code = Unknown desc = failed to set up sandbox container "7dfc05ac05a8cc9630c5b8e5c0281fb4217d108688722fc9c75587ff05dadfa1" network for pod "kube-dns-v20-596c55dc95-cc2p6": NetworkPlugin cni failed to set up pod "kube-dns-v20-596c55dc95-cc2p6_kube-system" network: Failed to create network: exit status 255`,
  ],
  [
    "Azure/azure-container-networking#464",
    `Failed to create pod sandbox: rpc error: code = Unknown desc = failed to set up sandbox container "8931a83501dcb167bf10e9365d2a7f8fe4bd125ddc04f8370b08bd7c3a799e50" network for pod "burn2-7b86d4db4f-m2zbc": networkPlugin cni failed to set up pod "burn2-7b86d4db4f-m2zbc_default" network: unexpected end of JSON input`,
  ],
  [
    "k8snetworkplumbingwg/multus-cni#211",
    `Failed create pod sandbox: rpc error: code = Unknown desc = [failed to set up sandbox container "b6f68bb9599da2f46dc898c8a9f1ba3d35279e294b1915bdece6e05b7578f545" network for pod "ut-cburdick-b6f192": NetworkPlugin cni failed to set up pod "ut-cburdick-b6f192_default" network: netplugin failed but error parsing its diagnostic message "": unexpected end of JSON input, failed to clean up sandbox container "b6f68bb9599da2f46dc898c8a9f1ba3d35279e294b1915bdece6e05b7578f545" network for pod "ut-cburdick-b6f192": NetworkPlugin cni failed to teardown pod "ut-cburdick-b6f192_default" network: netplugin failed but error parsing its diagnostic message "": unexpected end of JSON input]`,
  ],
  [
    "k8snetworkplumbingwg/multus-cni#714",
    `Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "6c9215c6217bf47705e90719cb264e419c8bf0ac52f1c2feccb4ad496e015abd": [max-dev/mc-void:cbr0]: error adding container to network "cbr0": must be called as chained plugin`,
  ],
  [
    "ovn-kubernetes/ovn-kubernetes#3357",
    `(combined from similar events): Failed to create pod sandbox: rpc error: code = Unknown desc = failed to set up sandbox container "53503b62ae0a0bedb6f31d1727818a990e8deb64ea46fc326961f04dd612fe53" network for pod "coredns-6d8c4cb4d-wqdvh": networkPlugin cni failed to set up pod "coredns-6d8c4cb4d-wqdvh_kube-system" network: CNI request failed with status 400: '[kube-system/coredns-6d8c4cb4d-wqdvh 53503b62ae0a0bedb6f31d1727818a990e8deb64ea46fc326961f04dd612fe53] [kube-system/coredns-6d8c4cb4d-wqdvh 53503b62ae0a0bedb6f31d1727818a990e8deb64ea46fc326961f04dd612fe53] failed to configure pod interface: failed to add IP addr 2000:1024:0:1::4/64 to eth0: permission denied`,
  ],
  [
    "networkop/meshnet-cni#19",
    `Failed to create pod sandbox: rpc error: code = Unknown desc = failed to set up sandbox container "a4bf9de6d9998a7e03e0bab09fc3c31f2e822a76cc836e5ec23356d2a72c2812" network for pod "r2": networkPlugin cni failed to set up pod "r2_default" network: failed to Statfs "/proc/6702/ns/net": no such file or directory`,
  ],
  [
    "kubeovn/kube-ovn#2646",
    `Failed to create sandbox for pod "coredns-565d847f94-j78sv_kube-system(6732bb83-9823-4a89-bfd8-e3c93ee5d0db)": rpc error: code = Unknown desc = failed to setup network for sandbox "7148a21b2f843ac0ad3d9204df237780dc3080dd4cad3c418671393517331e26": plugin type="kube-ovn" failed (add): RPC failed; request ip return 500 configure nic failed network 192.168.72.203/24 with gateway 192.168.72.8 is not ready for interface eth0 after 200 checks: resolve MAC address of 192.168.72.8 timeout: read packet 00:00:00:67:95:54: i/o timeout`,
  ],
  [
    "cilium/cilium#4598",
    `Failed create pod sandbox: rpc error: code = Unknown desc = NetworkPlugin cni failed to set up pod "app1-78b4c7b56c-qzwp8_default" network: Unable to create endpoint: [PUT /endpoint/{id}][500] putEndpointIdFailed  endpoint 16569 did not synchronously regenerate after timeout`,
  ],
  [
    "k8snetworkplumbingwg/multus-cni#356 (containerd log)",
    `RunPodSandbox for &PodSandboxMetadata{Name:coredns-5ffc5dfc87-mq9ww,Uid:49b86b67-b821-11e9-8ec1-5254008c3e56,Namespace:kube-system,Attempt:0,} failed, error" error="failed to setup network for sandbox "f225b3a306cc51f757c9f7280f34ee647f8a175acb79ebf918341fd3d27b2fa3": cannot convert: no valid IP addresses"`,
  ],
  [
    "k8snetworkplumbingwg/multus-cni#1276 (title)",
    `error adding container to network "cbr0": plugin type="flannel" failed (add): failed to delegate add: bridge port in error state: lower-layer-down`,
  ],
  [
    "antrea-io/antrea#3",
    `Failed create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "9056817dafde39da20dba740f2b60f5f057f5a61f5ea0d56bdbd5da388ed978b": failed to Statfs "/host/var/run/netns/cni-47e6e75f-07a2-9890-3c38-95b9f8f3771c": no such file or directory`,
  ],
  [
    "smart-edge-open/converged-edge-experience-kits#95",
    `Failed to create pod sandbox: rpc error: code = Unknown desc = [failed to set up sandbox container "8b0ce8e6589f5fbfab6b911896fc8e1b30a418ddf1b765ca8e699c9e10e405d4" network for pod "nginx-app-deployment-6cdc9c97d4-slztv": networkPlugin cni failed to set up pod "nginx-app-deployment-6cdc9c97d4-slztv_default" network: request ip return 500 configure nic failed add nic to ovs failed failed to run 'ovs-vsctl --timeout=30 --may-exist add-port br-int 8b0ce8e6589f_h -- set interface 8b0ce8e6589f_h external_ids:iface-id=nginx-app-deployment-6cdc9c97d4-slztv.default external_ids:pod_name=nginx-app-deployment-6cdc9c97d4-slztv external_ids:pod_namespace=default external_ids:ip=10.16.13.172': exit status 1`,
  ],
  // The agent answered but could not build the endpoint in time: not an unreachable API server, nor a down agent.
  [
    "cilium/cilium#5305",
    `Failed create pod sandbox: rpc error: code = Unknown desc = [failed to set up sandbox container "8fdb61012f5682e2d915434798fc097a065aedf08e0fe91ff4894b0c90cae94d" network for pod "deathstar-8659bbbdbb-5gqfh": NetworkPlugin cni failed to set up pod "deathstar-8659bbbdbb-5gqfh_default" network: Unable to create endpoint: context deadline exceeded, failed to clean up sandbox container "8fdb61012f5682e2d915434798fc097a065aedf08e0fe91ff4894b0c90cae94d" network for pod "deathstar-8659bbbdbb-5gqfh": NetworkPlugin cni failed to teardown pod "deathstar-8659bbbdbb-5gqfh_default" network: failed to lookup "eth0": Link not found]`,
  ],
  // Seccomp, runtime tasks and other IPAMs' own errors
  [
    "NVIDIA/nvidia-container-runtime#143 (CRI-O)",
    `Failed to create pod sandbox: rpc error: code = Unknown desc = container create failed: time="2021-07-02T18:07:43+02:00" level=error msg="container_linux.go:370: starting container process caused: error adding seccomp rule for syscall socket: permission denied"`,
  ],
  [
    "cri-o/cri-o#4627",
    "Failed to create pod sandbox: rpc error: code = Unknown desc = setup seccomp: from field: seccomp is not enabled, cannot run with a profile",
  ],
  [
    "leptonai/gpud#213 (as the PR quotes it, cut short by kubectl)",
    "Failed to create pod sandbox: rpc error: code = Unknown desc = failed to create containerd task: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: unable to init seccomp: error loading seccomp filter into kernel: err…",
  ],
  [
    "kubev2v/forklift#1942",
    `Error: failed to create containerd container: cannot load seccomp profile "/var/lib/kubelet/seccomp/profiles/unshare.json": open /var/lib/kubelet/seccomp/profiles/unshare.json: no such file or directory`,
  ],
  [
    "kubernetes/test-infra#13039",
    "Failed create pod sandbox: rpc error: code = Unknown desc = failed to start sandbox container: failed to create containerd task: ttrpc: client shutting down: ttrpc: closed: unknown",
  ],
  [
    "Azure/aks-engine#4435",
    `Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "8ebb5874a03adc791b320de5f5b68e4bd685acabf929862fc99dcf235f45b1c4": failed to find network info for sandbox "8ebb5874a03adc791b320de5f5b68e4bd685acabf929862fc99dcf235f45b1c4"`,
  ],
  [
    "spidernet-io/cni-plugins#171",
    `Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "4581e48686271975788167fdf32cc3681faf878a51026bfa667e3d95ae7ea296": plugin type="multus" name="multus-cni-network" failed (add): [default/test950-0/057c1162-24eb-4680-8033-b1c47e8bce16:macvlan-overlay]: error adding container to network "macvlan-overlay": spiderpool IP allocation error: [POST /ipam/ip][500] postIpamIpFailure  failed to retrieve the IP allocation of StatefulSet default/test950: nic net1 do not match the current IP allocation of StatefulSet`,
  ],
  // The kubelet's and the API server's own credential and certificate trouble: not the CNI plugin's
  [
    "kubernetes/kubernetes#83230 (comment, kubelet log)",
    `kubelet[2252]: E0124 15:11:57.110928    2252 controller.go:146] "Failed to ensure lease exists, will retry" err="Unauthorized" interval="7s"`,
  ],
  [
    "kubernetes/kubernetes#83230",
    "controller.go:115] failed to ensure node lease exists, will retry in 7s, error: Get https://10.204.243.89:6443/apis/coordination.k8s.io/v1beta1/namespaces/kube-node-lease/leases/10.204.60.13?timeout=10s: net/http: request canceled (Client.Timeout exceeded while awaiting headers)",
  ],
  [
    "kubernetes/kubernetes#102556",
    `1 authentication.go:63] "Unable to authenticate the request" err="[x509: certificate has expired or is not yet valid: current time 2021-06-03T07:29:14Z is after 2021-05-29T15:48:22Z`,
  ],
  [
    "snowdrop/k8s-infra#260",
    "Unable to connect to the server: x509: certificate has expired or is not yet valid: current time 2022-06-20T10:31:49+02:00 is after 2022-05-17T12:52:17Z",
  ],
  // A sandbox started by hand (crictl runp) for a pod the API server does not have
  [
    "kubernetes-sigs/cri-tools#1255",
    `run pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "9d2d48a44f868508befed39e09dd1c2956660f1e6e1c6d16801657cd93848948": plugin type="calico" failed (add): pods "nginx-sandbox" not found`,
  ],
  [
    "containerd/containerd#7689 (CRI-O wording)",
    `run pod sandbox: rpc error: code = Unknown desc = failed to create pod network sandbox k8s_nginx_default_hdishd83djaidwnduwk28bcsb_1(4338cd100cc17c254a6f89daa92c357555d7cabb5cedced52b7df9ce29c0b4b5): error adding pod default_nginx to CNI network "k8s-pod-network": pods "nginx" not found`,
  ],
  [
    "containerd/cri#699",
    `rpc error: code = 2 desc = failed to get network status for sandbox "fb58bf5ab96b7e1197616d5406eda1a5845b39adfc322f1efbd49d6e36472ef7": Unexpected command output Device "eth0" does not exist. with error: exit status 1`,
  ],
  // A plugin that ran and failed without saying why, or could not be run at all
  [
    "CentaurusInfra/mizar#120",
    `Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "0f31caad287b942bf475f653660c1d8078c64f3bc65a4efc78d5dfba3cac2053": netplugin failed with no error message`,
  ],
  [
    "projectcalico/cni-plugin#909",
    `Failed to create pod sandbox: rpc error: code = Unknown desc = [failed to set up sandbox container "3fe33199939736653d0eb5ffb41ffd4a94630cbf0ee1d9ffa39e1fef7cb40a83" network for pod "kafka-0": networkPlugin cni failed to set up pod "kafka-0_default" network: netplugin failed with no error message, failed to clean up sandbox container "3fe33199939736653d0eb5ffb41ffd4a94630cbf0ee1d9ffa39e1fef7cb40a83" network for pod "kafka-0": networkPlugin cni failed to teardown pod "kafka-0_default" network: netplugin failed with no error message]`,
  ],
  [
    "kubernetes/kubernetes#23011 (the binary is there but built for another loader: not a missing plugin)",
    `Error syncing pod, skipping: failed to "SetupNetwork" for "kube-dns-v11-zbufd_kube-system" with SetupNetworkError: "Failed to setup network for pod \\"kube-dns-v11-zbufd_kube-system(ea05b8bd-eada-11e5-8ced-42010af00002)\\" using network plugins \\"kubenet\\": Error adding container to network: fork/exec /opt/cni/bin/bridge: no such file or directory; Skipping pod"`,
  ],
  [
    "kubernetes/kubernetes#23039",
    `Error syncing pod, skipping: failed to "SetupNetwork" for "redis-master-9wkyg_default" with SetupNetworkError: "Failed to setup network for pod \\"redis-master-9wkyg_default(e10c3705-eb58-11e5-a8ce-0242ac110004)\\" using network plugins \\"cni\\": ARGS: invalid key \\"K8S_POD_NAMESPACE\\"; Skipping pod"`,
  ],
  [
    "kubernetes/website#34204 (CNI troubleshooting page)",
    `incompatible CNI versions; config is \\"1.0.0\\", plugin supports [\\"0.1.0\\" \\"0.2.0\\" \\"0.3.0\\" \\"0.3.1\\" \\"0.4.0\\"]"`,
  ],
  [
    "kubernetes/website#34204 (CNI troubleshooting page)",
    `StopPodSandbox for "b" failed error="failed to destroy network for sandbox \\"bbc85f891eaf060c5a879e27bba9b6b06450210161dfdecfbb2732959fb6500a\\": invalid version \\"\\": the version is empty"`,
  ],
  [
    "kubernetes-sigs/kind#3234 (rootless Podman)",
    `Failed to create sandbox for pod \\"etcd-kind-control-plane_kube-system(f1916c7b1dd2b62f3784dbc1ff414e84)\\": rpc error: code = Unknown desc = failed to create containerd task: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: error during container init: error mounting \\"/var/lib/containerd/io.containerd.grpc.v1.cri/sandboxes/0538e73fb1f3bf28b7fe1a9064be9ff9cb444b95a28113ceee2dc86f841d9a37/resolv.conf\\" to rootfs at \\"/etc/resolv.conf\\": mount /var/lib/containerd/io.containerd.grpc.v1.cri/sandboxes/0538e73fb1f3bf28b7fe1a9064be9ff9cb444b95a28113ceee2dc86f841d9a37/resolv.conf:/etc/resolv.conf (via /proc/self/fd/6), flags: 0x5021: operation not permitted: unknown`,
  ],
  [
    "containerd/cri#1024 (two pods racing to address the bridge, fixed in containernetworking/plugins#366)",
    `RunPodSandbox from runtime service failed: rpc error: code = Unknown desc = failed to setup network for sandbox "413532d612ba284bcfb2acedc7c7f34b6ac00267c03d1343e72fd886fc36838c": failed to set bridge addr: could not add IP address to "cni0": file exists`,
  ],
];

describe("traps: real sandbox failures that must stay unknown", () => {
  for (const [source, message] of TRAPS) {
    it(`${source}: ${message.slice(0, 90)}`, () => {
      expect(classifyMessage(message)).toMatchObject({ family: "unknown", signature: null });
    });
  }
});
