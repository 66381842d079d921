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
];
