import type { Signature } from "./signature.ts";

export const awsIpNotAssigned: Signature = {
  id: "aws-ip-not-assigned",
  family: "ip-exhausted",
  proves: "aws-vpc-cni",
  requiresNetworkContext: false,
  description: "ipamd had no free secondary IP (or prefix) on the node's ENIs to give the pod.",
  matches: ({ scope }) => scope.includes("failed to assign an ip address to container"),
};
