import type { Signature } from "./signature.ts";

/** The aws-cni plugin asks ipamd (in the aws-node pod) over gRPC on 127.0.0.1:50051. */
export const awsIpamdUnreachable: Signature = {
  id: "aws-ipamd-unreachable",
  family: "cni-agent-not-running",
  proves: "aws-vpc-cni",
  requiresNetworkContext: false,
  description: "The AWS VPC CNI plugin could not reach ipamd (aws-node) on 127.0.0.1:50051.",
  matches: ({ scope }) => scope.includes("127.0.0.1:50051"),
};
