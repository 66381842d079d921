/** Each CNI's guide (what to check in its own terms), by CNI. A CNI without one gets the families' generic guide. */
import type { CniPlugin } from "../diagnosis/message/classification.ts";
import { ANTREA_GUIDE } from "./antrea/guide.ts";
import { AWS_VPC_CNI_GUIDE } from "./aws-vpc-cni/guide.ts";
import { AZURE_GUIDE } from "./azure/guide.ts";
import { CALICO_GUIDE } from "./calico/guide.ts";
import { CILIUM_GUIDE } from "./cilium/guide.ts";
import { FLANNEL_GUIDE } from "./flannel/guide.ts";
import type { CniGuide } from "./guide.ts";
import { KUBE_OVN_GUIDE } from "./kube-ovn/guide.ts";
import { MULTUS_GUIDE } from "./multus/guide.ts";
import { OVN_KUBERNETES_GUIDE } from "./ovn-kubernetes/guide.ts";
import { WEAVE_GUIDE } from "./weave/guide.ts";

export type { CniGuide } from "./guide.ts";

export const CNI_GUIDES: readonly CniGuide[] = [
  CALICO_GUIDE,
  AWS_VPC_CNI_GUIDE,
  AZURE_GUIDE,
  CILIUM_GUIDE,
  ANTREA_GUIDE,
  KUBE_OVN_GUIDE,
  OVN_KUBERNETES_GUIDE,
  WEAVE_GUIDE,
  FLANNEL_GUIDE,
  MULTUS_GUIDE,
];

export function guideForCni(cni: CniPlugin): CniGuide | undefined {
  return CNI_GUIDES.find((g) => g.cni === cni);
}
