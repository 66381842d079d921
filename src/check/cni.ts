/** Which CNI runs, how Calico was installed, and whether its agents are there (from the DaemonSets, read-only). */
import { agentKindByDaemonSet } from "../cni/identity.ts";
import type { ClusterReader } from "../kube/reader.ts";
import type { V1DaemonSet } from "../kube/types.ts";
import { type CheckLine, fail, note, pass } from "./model.ts";

/** How a calico-node DaemonSet was installed: the Tigera operator puts it in calico-system, owned by its Installation. */
export function calicoInstallMethod(ds: V1DaemonSet): "operator" | "manifest" {
  const owned = (ds.metadata?.ownerReferences ?? []).some((o) => o.kind === "Installation");
  return owned || ds.metadata?.namespace === "calico-system" ? "operator" : "manifest";
}

export async function checkCni(reader: ClusterReader): Promise<CheckLine[]> {
  let sets: V1DaemonSet[];
  try {
    sets = await reader.listDaemonSets({});
  } catch (err) {
    return [
      fail(
        "cni",
        "cni",
        `the DaemonSets could not be listed: ${(err as Error).message}`,
        "grant list daemonsets.apps (manifests/rbac.yaml:41)",
      ),
    ];
  }
  const agents = sets.flatMap((ds) => {
    const kind = agentKindByDaemonSet(ds.metadata?.name ?? "");
    return kind ? [{ ds, kind }] : [];
  });
  if (agents.length === 0) {
    return [
      fail(
        "cni",
        "cni",
        `no known CNI agent DaemonSet in ${sets.length} DaemonSet(s): the CNI cannot be told (managed CNIs without an agent DaemonSet are not recognised)`,
        "check the CNI is installed (kubectl get ds -A); cni-doctor recognises calico-node, cilium, kube-flannel-ds, aws-node, azure-cns, antrea-agent, kube-ovn-cni, ovnkube-node, weave-net, kube-multus-ds",
      ),
    ];
  }
  return agents.map(({ ds, kind }) => {
    const where = `${ds.metadata?.namespace}/${ds.metadata?.name}`;
    const how = kind.cni === "calico" ? ` (${calicoInstallMethod(ds)} install)` : "";
    const desired = ds.status?.desiredNumberScheduled ?? 0;
    const ready = ds.status?.numberReady ?? 0;
    const id = `cni:${where}`;
    if (desired === 0)
      return fail(
        "cni",
        id,
        `${kind.cni}${how}: agent DaemonSet ${where} schedules no pods`,
        `kubectl -n ${ds.metadata?.namespace} describe ds ${ds.metadata?.name}`,
      );
    const summary = `${kind.cni}${how}: agent ${where}, ${ready}/${desired} ready`;
    // Agents down is what the bot is for, not a fault of its installation: told, not failed.
    return ready < desired
      ? note("cni", id, `${summary} (cni-doctor diagnose says why)`)
      : pass("cni", id, summary);
  });
}
