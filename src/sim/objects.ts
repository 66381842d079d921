/**
 * The minimal shape of a Kubernetes object as the simulated API server stores and serves it.
 * The simulator works on plain JSON, the same JSON the wire carries, so nothing here is product code.
 */
export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface ObjectMeta {
  name: string;
  namespace?: string;
  generateName?: string;
  uid: string;
  resourceVersion: string;
  creationTimestamp: string;
  generation?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  finalizers?: string[];
}

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  // Each kind has its own spec/status/data; the simulator reads them through typed helpers where it must.
  // biome-ignore lint/suspicious/noExplicitAny: JSON documents of many kinds
  [field: string]: any;
}

/** An object before the store has assigned uid, resourceVersion and creationTimestamp. */
export type NewObject = Omit<KubeObject, "metadata"> & {
  metadata: Omit<ObjectMeta, "uid" | "resourceVersion" | "creationTimestamp"> &
    Partial<Pick<ObjectMeta, "uid" | "creationTimestamp">>;
};
