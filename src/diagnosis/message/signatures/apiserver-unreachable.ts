import { apiServerDetails } from "./details.ts";
import type { Signature } from "./signature.ts";

/** Answers from the API server (or its load balancer) that mean it could not serve the plugin in time. */
const SERVER_SIDE = [
  "service unavailable",
  "the server was unable to return a response in the time allotted",
  "the server is currently unable to handle the request",
  // The runtime killed the plugin at its deadline, typically while it waited on the API server.
  "netplugin failed with no error message: signal: killed",
];
/** Transport failures. Only counted when the target is not a node-local agent (those are cni-agent-not-running). */
const TRANSPORT = [
  "i/o timeout",
  "connection refused",
  "no route to host",
  "network is unreachable",
  "connection reset by peer",
  "context deadline exceeded",
  "tls handshake timeout",
  "unexpected eof",
  // The server or its load balancer closed the connection: `Get "https://10.50.0.1:443/…": EOF` (calico#9624).
  '": eof',
];

/**
 * A transport failure only speaks of a server when the plugin was calling one. Kube-OVN's own ARP probe of the pod's
 * gateway also ends in "i/o timeout" (kubeovn/kube-ovn#2646) and has nothing to do with the API server.
 */
const CALLS_A_SERVER = ["dial tcp", "https://", "http://"];

export const apiserverUnreachable: Signature = {
  id: "apiserver-unreachable",
  family: "cni-apiserver-unreachable",
  requiresNetworkContext: true,
  description:
    "A CNI plugin could not reach the API server (usually the kubernetes Service VIP through kube-proxy).",
  matches: ({ scope }) =>
    SERVER_SIDE.some((marker) => scope.includes(marker)) ||
    (TRANSPORT.some((marker) => scope.includes(marker)) &&
      CALLS_A_SERVER.some((marker) => scope.includes(marker)) &&
      !scope.includes("127.0.0.1:") &&
      !scope.includes("dial unix") &&
      // Kube-OVN and thick Multus post to their node daemon as http://dummy/… over a unix socket (kube-ovn#6002).
      !scope.includes("http://dummy/")),
  details: apiServerDetails,
};
