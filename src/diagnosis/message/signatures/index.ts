/**
 * The signature catalog, in matching order: the first signature that matches wins. CNI-specific signatures come
 * before the generic API-server ones (a Calico 403 must not be read as a generic 403, a Weave "connection refused"
 * on 127.0.0.1:6784 must not be read as an unreachable API server), and 403 before 401 because Calico words both as
 * "connection is unauthorized".
 */
import { antreaAgentUnreachable } from "./antrea-agent-unreachable.ts";
import { apiserverForbidden } from "./apiserver-forbidden.ts";
import { apiserverUnauthorized } from "./apiserver-unauthorized.ts";
import { apiserverUnreachable } from "./apiserver-unreachable.ts";
import { apiserverUntrusted } from "./apiserver-untrusted.ts";
import { awsIpNotAssigned } from "./aws-ip-not-assigned.ts";
import { awsIpamdUnreachable } from "./aws-ipamd-unreachable.ts";
import { azureCnsIpExhausted } from "./azure-cns-ip-exhausted.ts";
import { azureCnsUnreachable } from "./azure-cns-unreachable.ts";
import { azureIpamExhausted } from "./azure-ipam-exhausted.ts";
import { bridgeAddressConflict } from "./bridge-address-conflict.ts";
import { calicoForbidden } from "./calico-forbidden.ts";
import { calicoIpamExhausted } from "./calico-ipam-exhausted.ts";
import { calicoNodenameMissing } from "./calico-nodename-missing.ts";
import { calicoUnauthorized } from "./calico-unauthorized.ts";
import { ciliumAgentUnreachable } from "./cilium-agent-unreachable.ts";
import { ciliumIpamRangeFull } from "./cilium-ipam-range-full.ts";
import { cniConfigUninitialized } from "./cni-config-uninitialized.ts";
import { cniPluginNotFound } from "./cni-plugin-not-found.ts";
import { flannelSubnetEnvMissing } from "./flannel-subnet-env-missing.ts";
import { hostLocalRangeExhausted } from "./host-local-range-exhausted.ts";
import { kubeOvnControllerPending } from "./kube-ovn-controller-pending.ts";
import { kubeOvnDaemonUnreachable } from "./kube-ovn-daemon-unreachable.ts";
import { kubeOvnNoAvailableIp } from "./kube-ovn-no-available-ip.ts";
import { multusDaemonUnreachable } from "./multus-daemon-unreachable.ts";
import { ovnKubernetesAnnotationTimeout } from "./ovn-kubernetes-annotation-timeout.ts";
import type { Signature } from "./signature.ts";
import { weaveAgentUnreachable } from "./weave-agent-unreachable.ts";

export type { MessageFacts, Signature } from "./signature.ts";

export const signatures: readonly Signature[] = [
  calicoForbidden,
  calicoUnauthorized,
  calicoNodenameMissing,
  flannelSubnetEnvMissing,
  ciliumAgentUnreachable,
  weaveAgentUnreachable,
  awsIpamdUnreachable,
  antreaAgentUnreachable,
  kubeOvnDaemonUnreachable,
  kubeOvnControllerPending,
  ovnKubernetesAnnotationTimeout,
  azureCnsIpExhausted,
  azureCnsUnreachable,
  azureIpamExhausted,
  multusDaemonUnreachable,
  cniPluginNotFound,
  cniConfigUninitialized,
  hostLocalRangeExhausted,
  calicoIpamExhausted,
  ciliumIpamRangeFull,
  awsIpNotAssigned,
  kubeOvnNoAvailableIp,
  bridgeAddressConflict,
  apiserverForbidden,
  apiserverUnauthorized,
  apiserverUntrusted,
  apiserverUnreachable,
];
