import { mkdtemp, rm } from "node:fs/promises";
import { request as httpsRequest } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify as toYaml } from "yaml";
import { type RequestAttributes, startApiServer } from "./apiserver/index.ts";
import { ApiError } from "./apiserver/status.ts";
import { SimulatedCluster } from "./cluster/cluster.ts";
import { authorizeRbac, bootstrapRbacObjects } from "./cluster/rbac.ts";
import { runInContainer } from "./exec/run-in-container.ts";
import { createServingCertificate } from "./pki.ts";
import { loadScenario } from "./scenarios/load.ts";
import {
  type NodeSshServers,
  type NodesFileSettings,
  type NodesOutFiles,
  startNodeSshServers,
  writeNodesOut,
} from "./ssh/index.ts";
import { nodeClockNs } from "./ssh/server.ts";
import { type ObjectStore, StoreError } from "./store.ts";

export { loadScenario, ScenarioError, scenarioNames } from "./scenarios/load.ts";

export interface SimulatedClusterOptions {
  /** A shipped scenario name, "large:…" with parameters, or a path to a scenario YAML file. */
  scenario: string;
  /** Port on 127.0.0.1; 0 or absent picks a free one. */
  port?: number;
  /** Directory under which the simulation makes its temporary root; defaults to the OS temp dir. */
  rootDir?: string;
  /** Kubelet sync period (how often stuck pods retry); defaults to the scenario's. */
  syncPeriodMs?: number;
  /**
   * How long the kubelet waits before retrying a pod whose sandbox failed (default: the sync period). Set it long to
   * model a kubelet that has backed off, so stuck pods stay stuck after the CNI is fixed until they are recreated.
   */
  sandboxRetryMs?: number;
  /**
   * Serve each node over SSH on 127.0.0.1 (one port and host key per node). Default: on, except for generated
   * `large:` scenarios, whose thousand listeners only the benchmarks that inspect nodes ask for.
   */
  sshNodes?: boolean;
  /**
   * Enforce RBAC (cluster/rbac.ts) from the Roles, ClusterRoles and bindings stored in the cluster, which starts
   * with the bootstrap cluster-admin binding for system:masters (the admin token's group). Default: off, and every
   * authenticated request is allowed.
   */
  rbac?: boolean;
}

/** One authorization decision, as the API server took it. */
export interface AuthorizationRecord {
  attributes: RequestAttributes;
  allowed: boolean;
  /** What allowed it (binding and role), or why nothing could. */
  reason: string;
}

export interface RunningSimulatedCluster {
  url: string;
  caPem: string;
  /** SHA-256 of the cluster CA's DER, hex. */
  caFingerprint: string;
  adminToken: string;
  /** A kubeconfig for the admin user, or for `credentials` (e.g. a service account's token), ready to write to disk. */
  kubeconfig(credentials?: { user: string; token: string }): string;
  /**
   * A token for a service account through the TokenRequest API (POST .../serviceaccounts/<name>/token, as the
   * kubelet gets a pod's projected token), asked with the admin token.
   */
  requestServiceAccountToken(
    namespace: string,
    serviceAccount: string,
    spec?: { expirationSeconds?: number; audiences?: string[] },
  ): Promise<string>;
  /** Calls `listener` with every authorization decision until the returned function is called (rbac only). */
  onAuthorization(listener: (record: AuthorizationRecord) => void): () => void;
  /** The host directory that stands for a node's "/". */
  nodeRoot(node: string): string;
  /** The simulation's temporary root (nodes live under `<root>/nodes/<node>`). */
  root: string;
  store: ObjectStore;
  cluster: SimulatedCluster;
  apiServer: Awaited<ReturnType<typeof startApiServer>>;
  /** The nodes' SSH endpoints; null when started without them. */
  ssh: NodeSshServers | null;
  /**
   * Writes what cni-doctor needs to reach the nodes: the nodes file at `path`, a known_hosts file and the client key
   * beside it (see src/sim/ssh/README.md). Returns their paths.
   */
  writeNodesOut(path: string, settings?: NodesFileSettings): Promise<NodesOutFiles>;
  stop(): Promise<void>;
}

/** Builds the scenario's cluster, starts its loops and an HTTPS API server for it on 127.0.0.1. */
export async function startSimulatedCluster(
  options: SimulatedClusterOptions,
): Promise<RunningSimulatedCluster> {
  const scenario = loadScenario(options.scenario);
  const root = await mkdtemp(join(options.rootDir ?? tmpdir(), "cni-doctor-sim-"));
  let cluster: SimulatedCluster | undefined;
  let ssh: NodeSshServers | null = null;
  try {
    cluster = await SimulatedCluster.build(scenario, {
      rootDir: root,
      ...(options.syncPeriodMs ? { syncPeriodMs: options.syncPeriodMs } : {}),
      ...(options.sandboxRetryMs ? { sandboxRetryMs: options.sandboxRetryMs } : {}),
    });
    const serving = await createServingCertificate(cluster.identity.ca);
    const authority = cluster.authority;
    const listeners = new Set<(record: AuthorizationRecord) => void>();
    const store = cluster.store;
    if (options.rbac)
      for (const { resource, object } of bootstrapRbacObjects()) store.create(resource, object);
    const authorize = (attributes: RequestAttributes, context?: { review: boolean }) => {
      const decision = authorizeRbac(
        {
          roles: store.list("roles"),
          clusterRoles: store.list("clusterroles"),
          roleBindings: store.list("rolebindings"),
          clusterRoleBindings: store.list("clusterrolebindings"),
        },
        attributes,
      );
      // A SelfSubjectAccessReview asks the authorizer without making the request: not a decision on a request.
      if (!context?.review) for (const listener of listeners) listener({ attributes, ...decision });
      if (!decision.allowed || !context?.review) return decision;
      // The RBAC authorizer's reason for an allowed review, as rbac.go's authorizingVisitor words it.
      return { allowed: true, reason: `RBAC: allowed by ${decision.reason}` };
    };
    const apiServer = await startApiServer({
      ...(options.rbac ? { authorize } : {}),
      store: cluster.store,
      tls: { certPem: serving.certPem, keyPem: serving.keyPem },
      port: options.port ?? 0,
      authenticate: (token: string) => authority.authenticate(token),
      tokenRequest: (namespace, saName, body, user) =>
        asApiError(() => authority.tokenRequest(namespace, saName, body, user)),
      tokenReview: (body, user) => asApiError(() => authority.tokenReview(body, user)),
      // The kubelet's part of `kubectl exec`: the command runs against the node's disk through the pod's volumes.
      execInContainer: (target, signal) =>
        runInContainer(
          {
            nodeRoot: (node) => (cluster as SimulatedCluster).nodeRoot(node),
            scratchRoot: root,
            nowNs: (node) => nodeClockNs(ssh?.faults.clockOffsetMs(node) ?? 0),
          },
          target,
          signal,
        ),
    });
    if (options.sshNodes ?? !scenario.name.startsWith("large")) {
      const nodeRoot = (name: string) => (cluster as SimulatedCluster).nodeRoot(name);
      ssh = await startNodeSshServers({
        nodes: scenario.nodes.map((n) => ({ name: n.name, root: nodeRoot(n.name) })),
      });
    }
    cluster.start();
    const running = cluster;
    const sshServers = ssh;
    const contextName = `sim-${scenario.name.split(":")[0]}`;
    let stopped = false;
    return {
      url: apiServer.url,
      caPem: running.identity.ca.certPem,
      caFingerprint: running.identity.ca.fingerprint,
      adminToken: running.adminToken,
      root,
      store: running.store,
      cluster: running,
      apiServer,
      ssh: sshServers,
      writeNodesOut: async (path, settings) => {
        if (!sshServers)
          throw new Error("this simulated cluster was started without SSH nodes (sshNodes: false)");
        return writeNodesOut(sshServers, path, settings);
      },
      nodeRoot: (node) => running.nodeRoot(node),
      requestServiceAccountToken: async (namespace, serviceAccount, spec = {}) => {
        const path = `/api/v1/namespaces/${encodeURIComponent(namespace)}/serviceaccounts/${encodeURIComponent(serviceAccount)}/token`;
        const body = { apiVersion: "authentication.k8s.io/v1", kind: "TokenRequest", spec };
        const reply = await postJson(
          apiServer.url,
          path,
          running.identity.ca.certPem,
          running.adminToken,
          body,
        );
        const token = (reply as { status?: { token?: unknown } }).status?.token;
        if (typeof token !== "string")
          throw new Error(`TokenRequest for ${namespace}/${serviceAccount} returned no token`);
        return token;
      },
      onAuthorization: (listener) => {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
      kubeconfig: (credentials = { user: "kubernetes-admin", token: running.adminToken }) =>
        toYaml({
          apiVersion: "v1",
          kind: "Config",
          clusters: [
            {
              name: contextName,
              cluster: {
                server: apiServer.url,
                "certificate-authority-data": Buffer.from(running.identity.ca.certPem).toString("base64"),
              },
            },
          ],
          users: [{ name: credentials.user, user: { token: credentials.token } }],
          contexts: [{ name: contextName, context: { cluster: contextName, user: credentials.user } }],
          "current-context": contextName,
        }),
      stop: async () => {
        if (stopped) return;
        stopped = true;
        await sshServers?.close();
        running.stop();
        await apiServer.close();
        await rm(root, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await ssh?.close();
    cluster?.stop();
    await rm(root, { recursive: true, force: true });
    throw error;
  }
}

/** The token authority refuses requests with the store's error type; the API server answers with its own Status. */
async function asApiError<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof StoreError)
      throw new ApiError(error.code, error.reason, error.message, error.details);
    throw error;
  }
}

/** POSTs JSON to the simulated API server over HTTPS, trusting only its CA; a non-2xx answer throws its Status message. */
function postJson(
  baseUrl: string,
  path: string,
  caPem: string,
  token: string,
  body: unknown,
): Promise<unknown> {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      new URL(path, baseUrl),
      {
        method: "POST",
        ca: caPem,
        headers: {
          authorization: `Bearer ${token}`,
          "content-type": "application/json",
          accept: "application/json",
          "content-length": Buffer.byteLength(payload),
        },
        timeout: 15_000,
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (text += chunk));
        res.on("end", () => {
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          if ((res.statusCode ?? 0) >= 200 && (res.statusCode ?? 0) < 300) resolve(json);
          else
            reject(
              new Error(
                `POST ${path}: HTTP ${res.statusCode}: ${(json as { message?: string } | undefined)?.message ?? text.slice(0, 200)}`,
              ),
            );
        });
      },
    );
    req.on("timeout", () => req.destroy(new Error(`POST ${path}: no answer within 15s`)));
    req.on("error", reject);
    req.end(payload);
  });
}
