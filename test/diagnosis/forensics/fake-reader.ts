/** A ClusterReader answering only what inspectNode asks (kube-root-ca.crt, service accounts, pods, TokenReview). */
import type { ClusterReader } from "../../../src/kube/reader.ts";
import type { TestCa } from "./fixtures.ts";

export const LIVE_SA_UID = "6f1c9a52-3b7e-4c1d-9a0e-1f2b3c4d5e6f";

export interface ReaderState {
  ca: TestCa;
  saUid?: string | null;
  review?: { authenticated: boolean; error?: string; user?: { username: string } };
  pods?: Record<string, string>;
}

/** Only what inspectNode asks; anything else is a test bug. */
export function fakeReader(state: ReaderState, reviewed: string[] = []): ClusterReader {
  const unused = () => {
    throw new Error("not used by inspectNode");
  };
  return {
    identity: { context: "test", server: "https://127.0.0.1:6443", caFingerprint: state.ca.fingerprint },
    listPods: async () => [],
    listPodsAtVersion: unused,
    listEvents: unused,
    listNodes: unused,
    getNode: unused,
    listDaemonSets: unused,
    listServices: unused,
    readyServiceAddresses: unused,
    getPod: async (_ns, name) => {
      const uid = state.pods?.[name];
      return uid ? { metadata: { name, uid } } : null;
    },
    getConfigMap: async (ns, name) =>
      ns === "kube-system" && name === "kube-root-ca.crt" ? { data: { "ca.crt": state.ca.pem } } : null,
    listConfigMaps: async () => [],
    getLease: async () => null,
    getServiceAccount: async (namespace, name) =>
      state.saUid === null ? null : { metadata: { namespace, name, uid: state.saUid ?? LIVE_SA_UID } },
    reviewToken: async (token) => {
      reviewed.push(token);
      return (
        state.review ?? {
          authenticated: true,
          user: { username: "system:serviceaccount:calico-system:calico-cni-plugin" },
        }
      );
    },
  };
}
