import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type ApiServer,
  type ApiServerOptions,
  startApiServer,
  type UserInfo,
} from "../../src/sim/apiserver/index.ts";
import type { KubeObject } from "../../src/sim/objects.ts";
import { createClusterCA, createServingCertificate } from "../../src/sim/pki.ts";
import { ObjectStore, type StoreOptions } from "../../src/sim/store.ts";

/**
 * A simulated API server on a random port with a fresh CA, a kubeconfig for it, and a way to run the real kubectl
 * against it. Tokens: ADMIN_TOKEN is cluster-admin, LIMITED_TOKEN a service account the authorizer refuses lists to.
 */
export const ADMIN_TOKEN = "admin-token-for-tests";
export const LIMITED_TOKEN = "limited-sa-token";
export const LIMITED_USER = "system:serviceaccount:calico-system:calico-node";

export const KUBECTL = "/usr/bin/kubectl";
export const kubectlAvailable = existsSync(KUBECTL);

export interface Harness {
  store: ObjectStore;
  server: ApiServer;
  caPem: string;
  dir: string;
  kubeconfig(token?: string): Promise<string>;
  kubectl(args: string[], token?: string): Promise<{ code: number; stdout: string; stderr: string }>;
  close(): Promise<void>;
}

export async function startHarness(
  seed: (store: ObjectStore) => void,
  overrides: Partial<ApiServerOptions> = {},
  storeOptions: StoreOptions = {},
): Promise<Harness> {
  const store = new ObjectStore(storeOptions);
  seed(store);
  const ca = await createClusterCA();
  const tls = await createServingCertificate(ca);
  const users: Record<string, UserInfo> = {
    [ADMIN_TOKEN]: {
      username: "kubernetes-admin",
      groups: ["kubeadm:cluster-admins", "system:authenticated"],
    },
    [LIMITED_TOKEN]: { username: LIMITED_USER, groups: ["system:serviceaccounts", "system:authenticated"] },
  };
  const server = await startApiServer({
    store,
    tls,
    port: 0,
    authenticate: async (token) => users[token] ?? null,
    authorize: (attrs) => attrs.user.username !== LIMITED_USER || attrs.verb === "get",
    tokenRequest: async (namespace, name, body) => ({
      ...body,
      apiVersion: "authentication.k8s.io/v1",
      kind: "TokenRequest",
      metadata: {
        name,
        namespace,
        uid: "",
        resourceVersion: "",
        creationTimestamp: store.now().toISOString(),
      },
      status: { token: `token-for-${namespace}-${name}`, expirationTimestamp: "2099-01-01T00:00:00Z" },
    }),
    tokenReview: async (body) => ({
      ...body,
      metadata: { name: "", uid: "", resourceVersion: "", creationTimestamp: "" },
      status: {
        authenticated: body.spec?.token === ADMIN_TOKEN,
        user: body.spec?.token === ADMIN_TOKEN ? { username: "kubernetes-admin" } : undefined,
      },
    }),
    ...overrides,
  });
  const dir = await mkdtemp(join(tmpdir(), "apiserver-test-"));
  const kubeconfig = async (token = ADMIN_TOKEN) => {
    const path = join(dir, `kubeconfig-${token.replace(/[^a-z0-9-]/gi, "_")}`);
    const text = [
      "apiVersion: v1",
      "kind: Config",
      "clusters:",
      "- name: sim",
      "  cluster:",
      `    server: ${server.url}`,
      `    certificate-authority-data: ${Buffer.from(ca.certPem).toString("base64")}`,
      "users:",
      "- name: tester",
      "  user:",
      `    token: ${token}`,
      "contexts:",
      "- name: sim",
      "  context:",
      "    cluster: sim",
      "    user: tester",
      "current-context: sim",
      "",
    ].join("\n");
    await writeFile(path, text);
    return path;
  };
  const kubectl = async (args: string[], token?: string) => {
    const config = await kubeconfig(token);
    return await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        KUBECTL,
        ["--kubeconfig", config, "--cache-dir", join(dir, "cache"), ...args],
        // HOME keeps kubectl's discovery cache and config out of the real home directory.
        { env: { PATH: process.env.PATH ?? "", HOME: dir }, timeout: 60_000 },
        (error, stdout, stderr) => {
          const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
          resolve({ code, stdout, stderr });
        },
      );
    });
  };
  return {
    store,
    server,
    caPem: ca.certPem,
    dir,
    kubeconfig,
    kubectl,
    close: async () => {
      await server.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export type { KubeObject };
