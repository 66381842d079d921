/** Calico's own checks where the families' generic ones say less (calicoctl ipam, IP pools). */
import type { CniGuide } from "../guide.ts";

export const CALICO_GUIDE: CniGuide = {
  cni: "calico",
  checks: {
    "ip-exhausted": [
      "kubectl get ippools.crd.projectcalico.org -o wide",
      "calicoctl ipam show --show-blocks",
      "kubectl get blockaffinities.crd.projectcalico.org -o wide",
    ],
  },
};
