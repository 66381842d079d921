/**
 * What the demo does as the cluster's admin, the way kubectl would, over the Kubernetes REST protocol: apply the
 * bot's identity and RBAC from manifests/ (`kubectl apply -k manifests/`), and read the workloads back afterwards
 * (`kubectl get pods`, `kubectl get endpoints`). A few plain HTTPS calls; the product's own Kubernetes code is not
 * used here, so the final check does not lean on the code it checks.
 */
import { readFileSync } from "node:fs";
import { request } from "node:https";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseAllDocuments, parse as parseYaml } from "yaml";

export const MANIFESTS_DIR = join(dirname(fileURLToPath(import.meta.url)), "../../manifests");

export interface KubeRest {
  get(path: string): Promise<{ status: number; body: Record<string, unknown> }>;
  post(path: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }>;
}

export function kubeRest(server: string, caPem: string, token: string): KubeRest {
  const call = (method: string, path: string, body?: unknown) =>
    new Promise<{ status: number; body: Record<string, unknown> }>((resolve, reject) => {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const req = request(
        new URL(path, server),
        {
          method,
          ca: caPem,
          headers: {
            authorization: `Bearer ${token}`,
            accept: "application/json",
            ...(payload ? { "content-type": "application/json" } : {}),
          },
          timeout: 10_000,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => {
            let parsed: Record<string, unknown> = {};
            try {
              parsed = JSON.parse(Buffer.concat(chunks).toString("utf8")) as Record<string, unknown>;
            } catch {
              // Not JSON: the status code says enough.
            }
            resolve({ status: res.statusCode ?? 0, body: parsed });
          });
        },
      );
      req.on("timeout", () => req.destroy(new Error(`${method} ${path} timed out`)));
      req.on("error", reject);
      req.end(payload);
    });
  return { get: (path) => call("GET", path), post: (path, body) => call("POST", path, body) };
}

interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
}

/**
 * The kinds that make the bot's identity, permissions and the priority its agent pods carry; the Deployment is what
 * the demo runs in-process instead.
 */
const IDENTITY_KINDS = [
  "Namespace",
  "PriorityClass",
  "ServiceAccount",
  "ClusterRole",
  "ClusterRoleBinding",
  "Role",
  "RoleBinding",
];

const COLLECTION: Record<string, (ns: string) => string> = {
  Namespace: () => "/api/v1/namespaces",
  PriorityClass: () => "/apis/scheduling.k8s.io/v1/priorityclasses",
  ServiceAccount: (ns) => `/api/v1/namespaces/${ns}/serviceaccounts`,
  ClusterRole: () => "/apis/rbac.authorization.k8s.io/v1/clusterroles",
  ClusterRoleBinding: () => "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings",
  Role: (ns) => `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/roles`,
  RoleBinding: (ns) => `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/rolebindings`,
};

/** The Namespace, PriorityClass, ServiceAccount and RBAC objects listed by manifests/kustomization.yaml, in apply order. */
export function identityManifests(dir = MANIFESTS_DIR): Manifest[] {
  const kustomization = parseYaml(readFileSync(join(dir, "kustomization.yaml"), "utf8")) as {
    resources?: string[];
  };
  const objects = (kustomization.resources ?? []).flatMap((file) =>
    parseAllDocuments(readFileSync(join(dir, file), "utf8"))
      .map((d) => d.toJSON() as Manifest | null)
      .filter((o): o is Manifest => o !== null && IDENTITY_KINDS.includes(o.kind)),
  );
  return objects.sort((a, b) => IDENTITY_KINDS.indexOf(a.kind) - IDENTITY_KINDS.indexOf(b.kind));
}

/** Creates each object as `kubectl apply` would on a cluster that has none of them yet. */
export async function applyManifests(kube: KubeRest, objects: Manifest[]): Promise<void> {
  for (const o of objects) {
    const collection = COLLECTION[o.kind];
    if (!collection) throw new Error(`cannot apply a ${o.kind}`);
    const { status, body } = await kube.post(collection(o.metadata.namespace ?? "default"), o);
    // 409: it exists already (the scenario's own namespaces).
    if (status >= 300 && status !== 409)
      throw new Error(
        `applying ${o.kind} ${o.metadata.name} failed: ${status} ${String(body.message ?? "")}`,
      );
  }
}

export interface PodRow {
  name: string;
  phase: string;
  ready: boolean;
  ip: string | undefined;
  node: string | undefined;
  reason: string | undefined;
}

/** `kubectl get pods -n NS -l SELECTOR`. */
export async function listPods(
  kube: KubeRest,
  namespace: string,
  labels: Record<string, string>,
): Promise<PodRow[]> {
  const selector = Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(",");
  const { status, body } = await kube.get(
    `/api/v1/namespaces/${namespace}/pods?labelSelector=${encodeURIComponent(selector)}`,
  );
  if (status !== 200) throw new Error(`listing pods in ${namespace} failed: ${status}`);
  type Pod = {
    metadata: { name: string; deletionTimestamp?: string };
    spec?: { nodeName?: string };
    status?: {
      phase?: string;
      podIP?: string;
      conditions?: { type: string; status: string }[];
      containerStatuses?: { state?: { waiting?: { reason?: string } } }[];
    };
  };
  return ((body.items ?? []) as Pod[])
    .filter((p) => !p.metadata.deletionTimestamp)
    .map((p) => ({
      name: p.metadata.name,
      phase: p.status?.phase ?? "Unknown",
      ready: p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false,
      ip: p.status?.podIP,
      node: p.spec?.nodeName,
      reason: p.status?.containerStatuses?.find((c) => c.state?.waiting)?.state?.waiting?.reason,
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** `kubectl get endpoints NAME -n NS`: the ready addresses with their ports. */
export async function readEndpoints(
  kube: KubeRest,
  namespace: string,
  name: string,
): Promise<string[] | null> {
  const { status, body } = await kube.get(`/api/v1/namespaces/${namespace}/endpoints/${name}`);
  if (status === 404) return null;
  if (status !== 200) throw new Error(`reading endpoints ${namespace}/${name} failed: ${status}`);
  const subsets = (body.subsets ?? []) as { addresses?: { ip: string }[]; ports?: { port: number }[] }[];
  return subsets.flatMap((s) =>
    (s.addresses ?? []).flatMap((a) =>
      (s.ports?.length ? s.ports : [undefined]).map((p) => (p ? `${a.ip}:${p.port}` : a.ip)),
    ),
  );
}
