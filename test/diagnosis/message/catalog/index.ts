/**
 * The message catalog: real kubelet events, node conditions and runtime log lines, each copied from where it was
 * reported (its source beside it), with the family, CNI, phase and runtime form the classifier must give it. One file
 * per CNI (the reference plugins share one); `traps.ts` holds real failures no signature may claim. The catalog test
 * (../catalog.test.ts) checks every entry and the catalog's size; `cni-doctor explain --json` is run on all of it
 * (test/cli/explain-catalog.test.ts); bench/classifier.ts measures throughput over it.
 */
import { antrea } from "./antrea.ts";
import { awsVpcCni } from "./aws-vpc-cni.ts";
import { azure } from "./azure.ts";
import { calico } from "./calico.ts";
import type { CatalogMessage } from "./catalog-message.ts";
import { cilium } from "./cilium.ts";
import { flannel } from "./flannel.ts";
import { kubeOvn } from "./kube-ovn.ts";
import { multus } from "./multus.ts";
import { noCniNamed } from "./no-cni-named.ts";
import { openshiftSdn } from "./openshift-sdn.ts";
import { ovnKubernetes } from "./ovn-kubernetes.ts";
import { referencePlugins } from "./reference-plugins.ts";
import { traps } from "./traps.ts";
import { weave } from "./weave.ts";

export type { CatalogMessage } from "./catalog-message.ts";

/** Messages the catalog explains: each must classify as its entry says. */
export const CATALOG: readonly CatalogMessage[] = [
  ...calico,
  ...cilium,
  ...flannel,
  ...weave,
  ...awsVpcCni,
  ...azure,
  ...antrea,
  ...kubeOvn,
  ...ovnKubernetes,
  ...multus,
  ...openshiftSdn,
  ...referencePlugins,
  ...noCniNamed,
];

/** Real failures that must stay `unknown`: not CNI failures, or CNI failures of no family the catalog knows. */
export const TRAPS: readonly CatalogMessage[] = traps;
