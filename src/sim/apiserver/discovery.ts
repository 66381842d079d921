import { apiVersionOf, RESOURCES, type ResourceDef } from "../resources.ts";

/**
 * Legacy (unaggregated) discovery documents. kubectl 1.32 asks for aggregated discovery (apidiscovery.k8s.io/v2) in
 * its Accept header but falls back to these when the answer is plain application/json, as it does for older servers.
 */
export interface VersionInfo {
  major: string;
  minor: string;
  gitVersion: string;
  gitCommit: string;
  gitTreeState: string;
  buildDate: string;
  goVersion: string;
  compiler: string;
  platform: string;
}

export const DEFAULT_VERSION: VersionInfo = {
  major: "1",
  minor: "32",
  gitVersion: "v1.32.4",
  gitCommit: "59526cd4867447956156ae3a602fcbac10a2c335",
  gitTreeState: "clean",
  buildDate: "2025-04-22T16:02:27Z",
  goVersion: "go1.23.6",
  compiler: "gc",
  platform: "linux/amd64",
};

interface GroupVersion {
  group: string;
  version: string;
}

function groupVersions(): GroupVersion[] {
  const seen = new Map<string, GroupVersion>();
  for (const r of RESOURCES) {
    if (r.group === "") continue;
    seen.set(`${r.group}/${r.version}`, { group: r.group, version: r.version });
  }
  return [...seen.values()];
}

function apiGroup(group: string): Record<string, unknown> | undefined {
  const versions = groupVersions()
    .filter((gv) => gv.group === group)
    .map((gv) => ({ groupVersion: `${gv.group}/${gv.version}`, version: gv.version }));
  if (versions.length === 0) return undefined;
  return { name: group, versions, preferredVersion: versions[0] };
}

export function apiVersions(serverAddress: string): Record<string, unknown> {
  return {
    kind: "APIVersions",
    versions: ["v1"],
    serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress }],
  };
}

export function apiGroupList(): Record<string, unknown> {
  const groups = [...new Set(groupVersions().map((gv) => gv.group))].map((g) => apiGroup(g));
  return { kind: "APIGroupList", apiVersion: "v1", groups };
}

export function apiGroupDocument(group: string): Record<string, unknown> | undefined {
  const doc = apiGroup(group);
  return doc ? { kind: "APIGroup", apiVersion: "v1", ...doc } : undefined;
}

function resourceEntries(def: ResourceDef): Record<string, unknown>[] {
  const main: Record<string, unknown> = {
    name: def.plural,
    singularName: def.singular,
    namespaced: def.namespaced,
    kind: def.kind,
    verbs: def.verbs,
  };
  if (def.shortNames) main.shortNames = def.shortNames;
  if (def.categories) main.categories = def.categories;
  const out = [main];
  for (const sub of def.subresources ?? []) {
    if (sub === "status") {
      out.push({
        name: `${def.plural}/status`,
        singularName: "",
        namespaced: def.namespaced,
        kind: def.kind,
        verbs: ["get", "patch", "update"],
      });
    } else if (sub === "token") {
      out.push({
        name: `${def.plural}/token`,
        singularName: "",
        namespaced: def.namespaced,
        group: "authentication.k8s.io",
        version: "v1",
        kind: "TokenRequest",
        verbs: ["create"],
      });
    }
  }
  return out;
}

export function apiResourceList(group: string, version: string): Record<string, unknown> | undefined {
  const defs = RESOURCES.filter((r) => r.group === group && r.version === version);
  if (defs.length === 0) return undefined;
  const groupVersion = group === "" ? version : `${group}/${version}`;
  return {
    kind: "APIResourceList",
    apiVersion: "v1",
    groupVersion,
    resources: defs.flatMap(resourceEntries),
  };
}

export function resourceFor(group: string, version: string, plural: string): ResourceDef | undefined {
  return RESOURCES.find((r) => r.group === group && r.version === version && r.plural === plural);
}

export { apiVersionOf };
