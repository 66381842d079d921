/**
 * What a node's files are compared with: this cluster's CA certificates and service-account issuers. Read once per
 * diagnosis. Read-only.
 */
import type { ClusterReader } from "../../kube/reader.ts";
import type { DiagnosisError } from "../model.ts";
import { certificateFingerprints } from "./secrets.ts";

/** The API server's clock against ours: server minus local, ms, within ± uncertaintyMs. */
export interface ServerClockReading {
  offsetMs: number;
  uncertaintyMs: number;
}

/** Reads the API server's clock (e.g. from a response's Date header, timed around the call). */
export type ApiServerClock = () => Promise<ServerClockReading>;

export interface ClusterReference {
  /** CA fingerprint of the kubeconfig cni-doctor uses (ClusterIdentity.caFingerprint). */
  caFingerprint: string | null;
  /** Fingerprints of the certificates in kube-system/kube-root-ca.crt; undefined: inspectNode reads them itself. */
  rootCaFingerprints?: string[];
  /** `--service-account-issuer` values of the kube-apiserver pods; empty when unknown (then not compared). */
  issuers?: string[];
  apiServerClock?: ApiServerClock;
}

export interface ClusterReferenceRead {
  reference: ClusterReference;
  errors: DiagnosisError[];
}

export async function readClusterReference(
  reader: ClusterReader,
  apiServerClock?: ApiServerClock,
): Promise<ClusterReferenceRead> {
  const errors: DiagnosisError[] = [];
  const record = (operation: string, err: unknown) => {
    const e = err as { failure?: string; message?: string };
    errors.push({ operation, failure: e.failure ?? "unexpected", message: e.message ?? String(err) });
  };
  let rootCaFingerprints: string[] = [];
  try {
    rootCaFingerprints = await readRootCaFingerprints(reader);
  } catch (err) {
    record("get configmap kube-system/kube-root-ca.crt", err);
  }
  let issuers: string[] = [];
  try {
    issuers = await readServiceAccountIssuers(reader);
  } catch (err) {
    record("list kube-apiserver pods in kube-system", err);
  }
  return {
    reference: {
      caFingerprint: reader.identity.caFingerprint,
      rootCaFingerprints,
      issuers,
      ...(apiServerClock ? { apiServerClock } : {}),
    },
    errors,
  };
}

/** The CA bundle the control plane publishes to every namespace; kube-system's copy is the reference. */
export async function readRootCaFingerprints(reader: ClusterReader): Promise<string[]> {
  const cm = await reader.getConfigMap("kube-system", "kube-root-ca.crt");
  const pem = cm?.data?.["ca.crt"];
  return pem ? certificateFingerprints(pem) : [];
}

/**
 * The issuers the API server accepts, from its static pods' flags (kubeadm, RKE2 and most self-managed clusters run
 * it as a pod labelled component=kube-apiserver). Managed control planes show no such pod: then none are known.
 */
async function readServiceAccountIssuers(reader: ClusterReader): Promise<string[]> {
  const pods = await reader.listPods({ namespace: "kube-system", labelSelector: "component=kube-apiserver" });
  const issuers = new Set<string>();
  for (const pod of pods) {
    for (const c of pod.spec?.containers ?? []) {
      const args = [...(c.command ?? []), ...(c.args ?? [])];
      args.forEach((arg, i) => {
        if (arg.startsWith("--service-account-issuer="))
          issuers.add(arg.slice("--service-account-issuer=".length));
        else if (arg === "--service-account-issuer" && args[i + 1]) issuers.add(args[i + 1] as string);
      });
    }
  }
  return [...issuers];
}

/** This cluster's CA fingerprints: kube-root-ca.crt's and the CA of the kubeconfig cni-doctor uses. */
export async function clusterCaFingerprints(
  reader: ClusterReader,
  cluster: ClusterReference,
  problems: string[],
): Promise<string[]> {
  let root = cluster.rootCaFingerprints;
  if (root === undefined) {
    try {
      root = await readRootCaFingerprints(reader);
    } catch (err) {
      problems.push(`kube-system/kube-root-ca.crt could not be read: ${(err as Error).message}`);
      root = [];
    }
  }
  return [...new Set([...root, ...(cluster.caFingerprint ? [cluster.caFingerprint] : [])])];
}
