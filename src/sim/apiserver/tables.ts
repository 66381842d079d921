import type { KubeObject } from "../objects.ts";
import type { ResourceDef } from "../resources.ts";
import type { TableRequest } from "./http.ts";
import { printerFor } from "./printers.ts";
import { objectJson } from "./serialize.ts";

/**
 * metav1.Table responses: what kubectl's human-readable `get` prints. Each row carries the object as the client
 * asked (`includeObject`: Metadata by default, Object, or None); kubectl reads the namespace for `-A` from it.
 */
export type IncludeObject = "None" | "Metadata" | "Object";

export function includeObjectFrom(value: string | null): IncludeObject {
  return value === "None" || value === "Object" ? value : "Metadata";
}

function rowObjectJson(obj: KubeObject, include: IncludeObject, metaVersion: string): string | undefined {
  if (include === "None") return undefined;
  if (include === "Object") return objectJson(obj);
  const { managedFields: _, ...metadata } = obj.metadata as KubeObject["metadata"] & {
    managedFields?: unknown;
  };
  return JSON.stringify({
    kind: "PartialObjectMetadata",
    apiVersion: `meta.k8s.io/${metaVersion}`,
    metadata,
  });
}

function rowJson(
  def: ResourceDef,
  obj: KubeObject,
  include: IncludeObject,
  metaVersion: string,
  now: Date,
): string {
  const row = printerFor(def.plural).row(obj, now);
  let json = `{"cells":${JSON.stringify(row.cells)}`;
  if (row.conditions) json += `,"conditions":${JSON.stringify(row.conditions)}`;
  const object = rowObjectJson(obj, include, metaVersion);
  if (object !== undefined) json += `,"object":${object}`;
  return `${json}}`;
}

export interface TableListMeta {
  resourceVersion?: string;
  continue?: string;
  remainingItemCount?: number;
}

export function tableJson(
  def: ResourceDef,
  objects: KubeObject[],
  listMeta: TableListMeta,
  table: TableRequest,
  include: IncludeObject,
  now: Date,
  withColumns = true,
): string {
  const columns = withColumns ? printerFor(def.plural).columns : [];
  const rows = objects.map((o) => rowJson(def, o, include, table.version, now));
  return `{"kind":"Table","apiVersion":"meta.k8s.io/${table.version}","metadata":${JSON.stringify(listMeta)},"columnDefinitions":${JSON.stringify(columns)},"rows":[${rows.join(",")}]}`;
}
