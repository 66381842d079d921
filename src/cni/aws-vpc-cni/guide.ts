/**
 * AWS VPC CNI: the aws-cni plugin asks ipamd (the aws-node pod) for an address; ipamd hands out secondary IPs of the
 * ENIs it attached, so a node runs out when the instance type's ENI × IPs-per-ENI limit is reached or the subnet has no
 * free address. ipamd logs to /var/log/aws-routed-eni/ipamd.log on the node
 * (aws/amazon-vpc-cni-k8s docs/troubleshooting.md); the limits per instance type are EC2's NetworkInfo.
 */
import type { CniGuide } from "../guide.ts";

const AWS_NODE_POD =
  "kubectl -n kube-system get pods -l k8s-app=aws-node -o wide --field-selector spec.nodeName=<node>";

export const AWS_VPC_CNI_GUIDE: CniGuide = {
  cni: "aws-vpc-cni",
  checks: {
    "ip-exhausted": [
      "kubectl get node <node> -o jsonpath='{.metadata.labels.node\\.kubernetes\\.io/instance-type} {.status.allocatable.pods}'",
      "aws ec2 describe-instance-types --instance-types <instance-type> --query 'InstanceTypes[].NetworkInfo.[MaximumNetworkInterfaces,Ipv4AddressesPerInterface]'",
      "aws ec2 describe-subnets --subnet-ids <subnet-id> --query 'Subnets[].[SubnetId,AvailableIpAddressCount]'",
      "ssh <node> sudo tail -n 200 /var/log/aws-routed-eni/ipamd.log",
      "kubectl -n kube-system get daemonset aws-node -o jsonpath='{.spec.template.spec.containers[0].env}'",
    ],
    "cni-agent-not-running": [
      AWS_NODE_POD,
      "kubectl -n kube-system logs <agent-pod> -c aws-node --tail=100",
      "ssh <node> sudo tail -n 100 /var/log/aws-routed-eni/ipamd.log",
    ],
  },
  causes: {
    "ip-exhausted": [
      "The node reached its instance type's limit: ENIs per instance × IPv4 addresses per ENI (max pods).",
      "The node's subnet has no free addresses left for ipamd to assign to a new ENI or secondary IP.",
      "WARM_IP_TARGET / MINIMUM_IP_TARGET or WARM_ENI_TARGET keep too few addresses warm, or prefix delegation (ENABLE_PREFIX_DELEGATION) is off on a dense node.",
      "ipamd cannot call the EC2 API (IAM policy AmazonEKS_CNI_Policy, throttling): see ipamd.log.",
    ],
  },
  manualFix: {
    "ip-exhausted":
      "No. A human must free or add addresses: a larger instance type, prefix delegation, more or larger subnets (custom networking), or fewer pods on the node; cni-doctor does not change AWS resources.",
  },
};
