import type { CatalogMessage } from "./catalog-message.ts";

export const openshiftSdn: CatalogMessage[] = [
  {
    source: "openshift/origin#15210 (kubelet log, tear-down)",
    message: `E0714 16:00:34.359759   16573 cni.go:275] Error deleting network: failed to find plugin "openshift-sdn" in path [/opt/cni/bin /opt/openshift-sdn/bin]`,
    family: "cni-plugin-missing",
    cni: "openshift-sdn",
    phase: "delete",
    runtime: "unknown",
    signature: "cni-plugin-not-found",
  },
  {
    source: "openshift/origin#19159 (CRI-O)",
    message: `Failed create pod sandbox: rpc error: code = Unknown desc = failed to create pod network sandbox k8s_docker-registry-1-deploy_default_871a6397-33bd-11e8-9132-0050568288bd_0(64b9d3220f6149df16f8e83e54714f21fd250068eaae3cc388b809f055c80208): failed to find plugin "openshift-sdn" in path [/opt/cni/bin/ /opt/openshift-sdn/bin]`,
    family: "cni-plugin-missing",
    cni: "openshift-sdn",
    phase: "add",
    runtime: "cri-o",
    signature: "cni-plugin-not-found",
  },
  {
    source: "openshift/origin#15953 (dockerd journal, FailedKillPod)",
    message: String.raw`Aug 24 10:52:08 ip-172-31-8-189.us-west-2.compute.internal dockerd-current[1195]: E0824 10:52:08.632329    9522 pod_workers.go:182] Error syncing pod 1ed023e6-88aa-11e7-9491-02ec7115a004 ("router-2-deploy_default(1ed023e6-88aa-11e7-9491-02ec7115a004)"), skipping: failed to "KillPodSandbox" for "1ed023e6-88aa-11e7-9491-02ec7115a004" with KillPodSandboxError: "rpc error: code = 2 desc = NetworkPlugin cni failed to teardown pod \"router-2-deploy_default\" network: failed to find plugin \"openshift-sdn\" in path [/opt/openshift-sdn/bin /opt/cni/bin]"`,
    family: "cni-plugin-missing",
    cni: "openshift-sdn",
    phase: "delete",
    runtime: "dockershim",
    signature: "cni-plugin-not-found",
  },
];
