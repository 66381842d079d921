/**
 * What `cni-doctor check` asks the API server, and nothing diagnosis or remediation needs: the server's version and
 * clock (its Date header), a namespace's labels, "may I?" (SelfSubjectAccessReview, which every authenticated user
 * may ask through the bootstrap system:basic-user role), and writes tried with `dryRun=All`, which the API server
 * admits and validates in full but never persists. Nothing here changes the cluster.
 */
import {
  AuthorizationV1Api,
  CoordinationV1Api,
  CoreV1Api,
  type KubeConfig,
  VersionApi,
} from "@kubernetes/client-node";
import { toKubeAccessError } from "./errors.ts";
import { sharedConnections, withTimeout } from "./request-options.ts";
import type { CoreV1Event, V1ConfigMap, V1Lease, V1Pod } from "./types.ts";

export interface AccessQuestion {
  verb: string;
  /** "" for the core group. */
  group: string;
  resource: string;
  subresource?: string;
  /** Omitted: in all namespaces (or a cluster-scoped resource). */
  namespace?: string;
  name?: string;
}

export interface AccessAnswer {
  allowed: boolean;
  /** The authorizer's reason, e.g. `RBAC: allowed by ClusterRoleBinding "x" of ClusterRole "y" …`. */
  reason: string;
}

export interface ServerFacts {
  gitVersion: string;
  platform: string;
  /** The Date header of the answer, when it carried one. */
  date: Date | undefined;
  /** Local time halfway between sending and receiving, to compare the Date header with. */
  localMidpoint: Date;
  roundTripMs: number;
}

export type NamespaceLook =
  | { exists: true; labels: Record<string, string> }
  | { exists: false }
  | { exists: "forbidden"; message: string };

/** A write tried with dryRun=All. */
export type DryRunWrite =
  | { kind: "pod"; namespace: string; body: V1Pod }
  | { kind: "event"; namespace: string; body: CoreV1Event }
  | { kind: "configmap"; namespace: string; body: V1ConfigMap }
  | { kind: "lease"; namespace: string; body: V1Lease };

export interface AccessReviewer {
  serverFacts(): Promise<ServerFacts>;
  namespace(name: string): Promise<NamespaceLook>;
  review(question: AccessQuestion): Promise<AccessAnswer>;
  /** Resolves when the API server would accept the write; throws KubeAccessError saying why not. */
  dryRunCreate(write: DryRunWrite): Promise<void>;
}

export function createAccessReviewer(kubeConfig: KubeConfig, requestTimeoutMs: number): AccessReviewer {
  const version = kubeConfig.makeApiClient(VersionApi);
  const authz = kubeConfig.makeApiClient(AuthorizationV1Api);
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const coordination = kubeConfig.makeApiClient(CoordinationV1Api);
  const connections = sharedConnections();
  const timeout = () => withTimeout(requestTimeoutMs, connections);
  const call = async <T>(operation: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      throw toKubeAccessError(err, operation);
    }
  };
  return {
    serverFacts: () =>
      call("get /version", async () => {
        const sent = Date.now();
        const info = await version.getCodeWithHttpInfo(timeout());
        const received = Date.now();
        const header = info.headers.date;
        const date = header ? new Date(header) : undefined;
        return {
          gitVersion: info.data.gitVersion,
          platform: info.data.platform,
          date: date && !Number.isNaN(date.getTime()) ? date : undefined,
          localMidpoint: new Date((sent + received) / 2),
          roundTripMs: received - sent,
        };
      }),
    namespace: async (name) => {
      try {
        const ns = await core.readNamespace({ name }, timeout());
        return { exists: true, labels: ns.metadata?.labels ?? {} };
      } catch (err) {
        const failure = toKubeAccessError(err, `get namespace ${name}`);
        if (failure.failure === "not-found") return { exists: false };
        if (failure.failure === "forbidden") return { exists: "forbidden", message: failure.message };
        throw failure;
      }
    },
    review: (q) =>
      call(`create selfsubjectaccessreview (${q.verb} ${q.resource})`, async () => {
        const answer = await authz.createSelfSubjectAccessReview(
          {
            body: {
              apiVersion: "authorization.k8s.io/v1",
              kind: "SelfSubjectAccessReview",
              spec: { resourceAttributes: { ...q } },
            },
          },
          timeout(),
        );
        return { allowed: answer.status?.allowed === true, reason: answer.status?.reason ?? "" };
      }),
    dryRunCreate: (write) =>
      call(`create ${write.kind} in ${write.namespace} (dry run)`, async () => {
        const base = { namespace: write.namespace, dryRun: "All" } as const;
        if (write.kind === "pod") await core.createNamespacedPod({ ...base, body: write.body }, timeout());
        else if (write.kind === "event")
          await core.createNamespacedEvent({ ...base, body: write.body }, timeout());
        else if (write.kind === "configmap")
          await core.createNamespacedConfigMap({ ...base, body: write.body }, timeout());
        else await coordination.createNamespacedLease({ ...base, body: write.body }, timeout());
      }),
  };
}
