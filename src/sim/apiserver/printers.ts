import type { KubeObject } from "../objects.ts";
import { ageOf } from "./duration.ts";
import { formatLabelSelector, formatLabels } from "./labels.ts";

/**
 * Server-side table printers, ported from kubernetes pkg/printers/internalversion/printers.go (v1.32). The API server
 * always prints wide (GenerateOptions{Wide: true}); kubectl hides columns with priority > 0 unless `-o wide`.
 */
export interface ColumnDefinition {
  name: string;
  type: string;
  format: string;
  description: string;
  priority: number;
}

export interface TableRowData {
  cells: unknown[];
  conditions?: { type: string; status: string; reason?: string; message?: string }[];
}

export interface Printer {
  columns: ColumnDefinition[];
  row(obj: KubeObject, now: Date): TableRowData;
}

function col(name: string, type: string, description: string, priority = 0, format = ""): ColumnDefinition {
  return { name, type, format, description, priority };
}

const NAME = col("Name", "string", "Name must be unique within a namespace.", 0, "name");
const AGE = col(
  "Age",
  "string",
  "CreationTimestamp is a timestamp representing the server time when this object was created.",
);

// biome-ignore lint/suspicious/noExplicitAny: printers read loosely typed JSON, as the Go printers read optional fields
type Json = any;

function int(v: unknown): number {
  return typeof v === "number" ? v : 0;
}

// ---- pods ----

function isRestartableInit(c: Json): boolean {
  return c?.restartPolicy === "Always";
}

function conditionTrue(conditions: Json[] | undefined, type: string): boolean {
  return (conditions ?? []).some((c) => c?.type === type && c?.status === "True");
}

function later(a: string | undefined, b: string | undefined): string | undefined {
  if (!b) return a;
  if (!a) return b;
  return Date.parse(b) > Date.parse(a) ? b : a;
}

function terminatedReason(t: Json, prefix: string): string {
  if (t.reason) return `${prefix}${t.reason}`;
  if (t.signal) return `${prefix}Signal:${t.signal}`;
  return `${prefix}ExitCode:${int(t.exitCode)}`;
}

function printPod(pod: Json, now: Date): TableRowData {
  const spec = pod.spec ?? {};
  const status = pod.status ?? {};
  const initSpecs: Json[] = spec.initContainers ?? [];
  let totalContainers = (spec.containers ?? []).length;
  let readyContainers = 0;
  let restarts = 0;
  let restartableInitRestarts = 0;
  let lastRestart: string | undefined;
  let lastRestartableInitRestart: string | undefined;
  const phase: string = status.phase ?? "";
  let reason: string = status.reason || phase;
  for (const c of status.conditions ?? []) {
    if (c?.type === "PodScheduled" && c?.reason === "SchedulingGated") reason = "SchedulingGated";
  }
  const initByName = new Map<string, Json>();
  for (const c of initSpecs) {
    initByName.set(c.name, c);
    if (isRestartableInit(c)) totalContainers++;
  }

  let initializing = false;
  const initStatuses: Json[] = status.initContainerStatuses ?? [];
  for (let i = 0; i < initStatuses.length; i++) {
    const c = initStatuses[i];
    restarts += int(c.restartCount);
    const finished = c.lastState?.terminated?.finishedAt;
    lastRestart = later(lastRestart, finished);
    const restartable = isRestartableInit(initByName.get(c.name));
    if (restartable) {
      restartableInitRestarts += int(c.restartCount);
      lastRestartableInitRestart = later(lastRestartableInitRestart, finished);
    }
    const state = c.state ?? {};
    if (state.terminated && int(state.terminated.exitCode) === 0) continue;
    if (restartable && c.started === true) {
      if (c.ready) readyContainers++;
      continue;
    }
    if (state.terminated) reason = terminatedReason(state.terminated, "Init:");
    else if (state.waiting?.reason && state.waiting.reason !== "PodInitializing")
      reason = `Init:${state.waiting.reason}`;
    else reason = `Init:${i}/${initSpecs.length}`;
    initializing = true;
    break;
  }

  if (!initializing || conditionTrue(status.conditions, "Initialized")) {
    restarts = restartableInitRestarts;
    lastRestart = lastRestartableInitRestart;
    let hasRunning = false;
    const statuses: Json[] = status.containerStatuses ?? [];
    for (let i = statuses.length - 1; i >= 0; i--) {
      const c = statuses[i];
      restarts += int(c.restartCount);
      lastRestart = later(lastRestart, c.lastState?.terminated?.finishedAt);
      const state = c.state ?? {};
      if (state.waiting?.reason) reason = state.waiting.reason;
      else if (state.terminated) reason = terminatedReason(state.terminated, "");
      else if (c.ready && state.running) {
        hasRunning = true;
        readyContainers++;
      }
    }
    // A pod whose last container completed still counts as Running while another one runs.
    if (reason === "Completed" && hasRunning) {
      reason = conditionTrue(status.conditions, "Ready") ? "Running" : "NotReady";
    }
  }

  const deleting = Boolean(pod.metadata.deletionTimestamp);
  if (deleting && status.reason === "NodeLost") reason = "Unknown";
  else if (deleting && phase !== "Succeeded" && phase !== "Failed") reason = "Terminating";

  const restartsText =
    restarts !== 0 && lastRestart ? `${restarts} (${ageOf(lastRestart, now)} ago)` : String(restarts);

  const podIP: string = status.podIPs?.[0]?.ip || status.podIP || "<none>";
  let readinessGates = "<none>";
  const gates: Json[] = spec.readinessGates ?? [];
  if (gates.length > 0) {
    let trueCount = 0;
    for (const g of gates) {
      const cond = (status.conditions ?? []).find((c: Json) => c?.type === g.conditionType);
      if (cond?.status === "True") trueCount++;
    }
    readinessGates = `${trueCount}/${gates.length}`;
  }
  const row: TableRowData = {
    cells: [
      pod.metadata.name,
      `${readyContainers}/${totalContainers}`,
      reason,
      restartsText,
      ageOf(pod.metadata.creationTimestamp, now),
      podIP,
      spec.nodeName || "<none>",
      status.nominatedNodeName || "<none>",
      readinessGates,
    ],
  };
  if (phase === "Succeeded") {
    row.conditions = [{ type: "Completed", status: "True", message: "The pod has completed successfully." }];
  } else if (phase === "Failed") {
    row.conditions = [{ type: "Completed", status: "True", message: "The pod failed." }];
  }
  return row;
}

// ---- nodes ----

function nodeRoles(labels: Record<string, string> | undefined): string {
  const roles = new Set<string>();
  for (const [k, v] of Object.entries(labels ?? {})) {
    if (k.startsWith("node-role.kubernetes.io/")) {
      const role = k.slice("node-role.kubernetes.io/".length);
      if (role) roles.add(role);
    } else if (k === "kubernetes.io/role" && v) {
      roles.add(v);
    }
  }
  return roles.size === 0 ? "<none>" : [...roles].sort().join(",");
}

function nodeAddress(node: Json, type: string): string {
  return (node.status?.addresses ?? []).find((a: Json) => a?.type === type)?.address ?? "<none>";
}

function printNode(node: Json, now: Date): TableRowData {
  const ready = (node.status?.conditions ?? []).find((c: Json) => c?.type === "Ready");
  const status: string[] = [];
  if (ready) status.push(ready.status === "True" ? "Ready" : "NotReady");
  if (status.length === 0) status.push("Unknown");
  if (node.spec?.unschedulable) status.push("SchedulingDisabled");
  const info = node.status?.nodeInfo ?? {};
  return {
    cells: [
      node.metadata.name,
      status.join(","),
      nodeRoles(node.metadata.labels),
      ageOf(node.metadata.creationTimestamp, now),
      info.kubeletVersion ?? "",
      nodeAddress(node, "InternalIP"),
      nodeAddress(node, "ExternalIP"),
      info.osImage || "<unknown>",
      info.kernelVersion || "<unknown>",
      info.containerRuntimeVersion || "<unknown>",
    ],
  };
}

// ---- events ----

function printEvent(ev: Json, now: Date): TableRowData {
  const firstSeen = ev.firstTimestamp ? ageOf(ev.firstTimestamp, now) : ageOf(ev.eventTime, now);
  let lastSeen = ev.lastTimestamp ? ageOf(ev.lastTimestamp, now) : firstSeen;
  let count = int(ev.count);
  if (ev.series) {
    lastSeen = ageOf(ev.series.lastObservedTime, now);
    count = int(ev.series.count);
  } else if (count === 0) {
    count = 1;
  }
  const involved = ev.involvedObject ?? {};
  const kind = String(involved.kind ?? "").toLowerCase();
  const target = involved.name ? `${kind}/${involved.name}` : kind;
  const component = ev.source?.component || ev.reportingComponent || "";
  const instance = ev.source?.host || ev.reportingInstance || "";
  return {
    cells: [
      lastSeen,
      ev.type ?? "",
      ev.reason ?? "",
      target,
      involved.fieldPath ?? "",
      instance ? `${component}, ${instance}` : component,
      String(ev.message ?? "").trim(),
      firstSeen,
      count,
      ev.metadata.name,
    ],
  };
}

// ---- services, endpoints ----

function servicePorts(ports: Json[] | undefined): string {
  const pieces = (ports ?? []).map((p) =>
    p.nodePort > 0 ? `${p.port}:${p.nodePort}/${p.protocol ?? "TCP"}` : `${p.port}/${p.protocol ?? "TCP"}`,
  );
  return pieces.length === 0 ? "<none>" : pieces.join(",");
}

function serviceExternalIP(svc: Json): string {
  const spec = svc.spec ?? {};
  const external: string[] = spec.externalIPs ?? [];
  switch (spec.type ?? "ClusterIP") {
    case "ClusterIP":
    case "NodePort":
      return external.length > 0 ? external.join(",") : "<none>";
    case "LoadBalancer": {
      const ingress = (svc.status?.loadBalancer?.ingress ?? [])
        .map((i: Json) => i.ip || i.hostname)
        .filter(Boolean);
      const all = [...ingress, ...external];
      return all.length > 0 ? all.join(",") : "<pending>";
    }
    case "ExternalName":
      return spec.externalName ?? "";
    default:
      return "<unknown>";
  }
}

function printService(svc: Json, now: Date): TableRowData {
  const spec = svc.spec ?? {};
  const clusterIP = spec.clusterIPs?.[0] ?? spec.clusterIP ?? "<none>";
  return {
    cells: [
      svc.metadata.name,
      spec.type ?? "ClusterIP",
      clusterIP || "<none>",
      serviceExternalIP(svc),
      servicePorts(spec.ports),
      ageOf(svc.metadata.creationTimestamp, now),
      formatLabels(spec.selector),
    ],
  };
}

function hostPort(ip: string, port: number): string {
  return ip.includes(":") ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/** formatEndpoints: the first three ready addresses, then "+ N more...". */
export function formatEndpoints(ep: Json): string {
  const subsets: Json[] = ep.subsets ?? [];
  if (subsets.length === 0) return "<none>";
  const max = 3;
  const list: string[] = [];
  let more = false;
  let count = 0;
  for (const ss of subsets) {
    const addresses: Json[] = ss.addresses ?? [];
    const ports: Json[] = ss.ports ?? [];
    if (ports.length === 0) {
      count += addresses.length;
      for (const a of addresses) {
        if (list.length === max) {
          more = true;
          break;
        }
        list.push(a.ip);
      }
      continue;
    }
    for (const port of ports) {
      count += addresses.length;
      for (const a of addresses) {
        if (list.length === max) {
          more = true;
          break;
        }
        list.push(hostPort(a.ip, port.port));
      }
    }
  }
  const joined = list.join(",");
  return more ? `${joined} + ${count - max} more...` : joined;
}

function printEndpoints(ep: Json, now: Date): TableRowData {
  return { cells: [ep.metadata.name, formatEndpoints(ep), ageOf(ep.metadata.creationTimestamp, now)] };
}

/** listWithMoreString: the first three, then "+ N more..."; "<unset>" when empty. */
function listWithMore(all: string[], max = 3): string {
  if (all.length > max) return `${all.slice(0, max).join(",")} + ${all.length - max} more...`;
  return all.length === 0 ? "<unset>" : all.join(",");
}

/** printEndpointSlice with formatDiscoveryPorts (number, else name, else "*") and formatDiscoveryEndpoints. */
function printEndpointSlice(slice: Json, now: Date): TableRowData {
  const ports = (slice.ports ?? []).map((p: Json) => String(p.port ?? p.name ?? "*"));
  const addresses = (slice.endpoints ?? []).flatMap((e: Json) => e.addresses ?? []);
  return {
    cells: [
      slice.metadata.name,
      slice.addressType ?? "",
      listWithMore(ports),
      listWithMore(addresses),
      ageOf(slice.metadata.creationTimestamp, now),
    ],
  };
}

// ---- workloads ----

function containerCells(template: Json): [string, string] {
  const containers: Json[] = template?.spec?.containers ?? [];
  return [containers.map((c) => c.name).join(","), containers.map((c) => c.image).join(",")];
}

function printDaemonSet(ds: Json, now: Date): TableRowData {
  const s = ds.status ?? {};
  const [names, images] = containerCells(ds.spec?.template);
  return {
    cells: [
      ds.metadata.name,
      int(s.desiredNumberScheduled),
      int(s.currentNumberScheduled),
      int(s.numberReady),
      int(s.updatedNumberScheduled),
      int(s.numberAvailable),
      formatLabels(ds.spec?.template?.spec?.nodeSelector),
      ageOf(ds.metadata.creationTimestamp, now),
      names,
      images,
      formatLabelSelector(ds.spec?.selector),
    ],
  };
}

function printReplicaSet(rs: Json, now: Date): TableRowData {
  const [names, images] = containerCells(rs.spec?.template);
  return {
    cells: [
      rs.metadata.name,
      rs.spec?.replicas ?? 1,
      int(rs.status?.replicas),
      int(rs.status?.readyReplicas),
      ageOf(rs.metadata.creationTimestamp, now),
      names,
      images,
      formatLabelSelector(rs.spec?.selector),
    ],
  };
}

function printDeployment(d: Json, now: Date): TableRowData {
  const [names, images] = containerCells(d.spec?.template);
  const selector = formatLabelSelector(d.spec?.selector);
  return {
    cells: [
      d.metadata.name,
      `${int(d.status?.readyReplicas)}/${d.spec?.replicas ?? 1}`,
      int(d.status?.updatedReplicas),
      int(d.status?.availableReplicas),
      ageOf(d.metadata.creationTimestamp, now),
      names,
      images,
      selector === "<none>" ? "" : selector,
    ],
  };
}

const CONTAINERS = col("Containers", "string", "Names of each container in the template.", 1);
const IMAGES = col("Images", "string", "Images referenced by each container in the template.", 1);
const SELECTOR = col("Selector", "string", "A label query over pods.", 1);

export const PRINTERS: Record<string, Printer> = {
  pods: {
    columns: [
      NAME,
      col("Ready", "string", "The aggregate readiness state of this pod for accepting traffic."),
      col("Status", "string", "The aggregate status of the containers in this pod."),
      col(
        "Restarts",
        "string",
        "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.",
      ),
      AGE,
      col("IP", "string", "IP address allocated to the pod.", 1),
      col("Node", "string", "NodeName indicates in which node this pod is scheduled.", 1),
      col(
        "Nominated Node",
        "string",
        "nominatedNodeName is set only when this pod preempts other pods on the node.",
        1,
      ),
      col(
        "Readiness Gates",
        "string",
        "If specified, all readiness gates will be evaluated for pod readiness.",
        1,
      ),
    ],
    row: printPod,
  },
  nodes: {
    columns: [
      NAME,
      col("Status", "string", "The status of the node"),
      col("Roles", "string", "The roles of the node"),
      AGE,
      col("Version", "string", "Kubelet Version reported by the node."),
      col("Internal-IP", "string", "List of addresses reachable to the node.", 1),
      col("External-IP", "string", "List of addresses reachable to the node.", 1),
      col(
        "OS-Image",
        "string",
        "OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).",
        1,
      ),
      col(
        "Kernel-Version",
        "string",
        "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).",
        1,
      ),
      col(
        "Container-Runtime",
        "string",
        "ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).",
        1,
      ),
    ],
    row: printNode,
  },
  events: {
    columns: [
      col("Last Seen", "string", "The time at which the most recent occurrence of this event was recorded."),
      col("Type", "string", "Type of this event (Normal, Warning), new types could be added in the future"),
      col(
        "Reason",
        "string",
        "This should be a short, machine understandable string that gives the reason for the transition into the object's current status.",
      ),
      col("Object", "string", "The object that this event is about."),
      col(
        "Subobject",
        "string",
        "If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement.",
        1,
      ),
      col(
        "Source",
        "string",
        "The component reporting this event. Should be a short machine understandable string.",
        1,
      ),
      col("Message", "string", "A human-readable description of the status of this operation."),
      col(
        "First Seen",
        "string",
        "The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)",
        1,
      ),
      col("Count", "string", "The number of times this event has occurred.", 1),
      col("Name", "string", "Name must be unique within a namespace.", 1, "name"),
    ],
    row: printEvent,
  },
  services: {
    columns: [
      NAME,
      col("Type", "string", "type determines how the Service is exposed."),
      col(
        "Cluster-IP",
        "string",
        "clusterIP is the IP address of the service and is usually assigned randomly.",
      ),
      col(
        "External-IP",
        "string",
        "externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service.",
      ),
      col("Port(s)", "string", "The list of ports that are exposed by this service."),
      AGE,
      col(
        "Selector",
        "string",
        "Route service traffic to pods with label keys and values matching this selector.",
        1,
      ),
    ],
    row: printService,
  },
  endpoints: {
    columns: [NAME, col("Endpoints", "string", "The set of all endpoints is the union of all subsets."), AGE],
    row: printEndpoints,
  },
  endpointslices: {
    columns: [
      NAME,
      col(
        "AddressType",
        "string",
        "addressType specifies the type of address carried by this EndpointSlice.",
      ),
      col(
        "Ports",
        "string",
        "ports specifies the list of network ports exposed by each endpoint in this slice.",
      ),
      col("Endpoints", "string", "endpoints is a list of unique endpoints in this slice."),
      AGE,
    ],
    row: printEndpointSlice,
  },
  daemonsets: {
    columns: [
      NAME,
      col("Desired", "integer", "The total number of nodes that should be running the daemon pod."),
      col(
        "Current",
        "integer",
        "The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod.",
      ),
      col(
        "Ready",
        "integer",
        "numberReady is the number of nodes that should be running the daemon pod and have one or more of the daemon pod running with a Ready Condition.",
      ),
      col("Up-to-date", "integer", "The total number of nodes that are running updated daemon pod"),
      col(
        "Available",
        "integer",
        "The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available.",
      ),
      col(
        "Node Selector",
        "string",
        "NodeSelector is a selector which must be true for the pod to fit on a node.",
      ),
      AGE,
      CONTAINERS,
      IMAGES,
      SELECTOR,
    ],
    row: printDaemonSet,
  },
  replicasets: {
    columns: [
      NAME,
      col("Desired", "integer", "Replicas is the number of desired replicas."),
      col("Current", "integer", "Replicas is the most recently observed number of replicas."),
      col(
        "Ready",
        "integer",
        "readyReplicas is the number of pods targeted by this ReplicaSet with a Ready Condition.",
      ),
      AGE,
      CONTAINERS,
      IMAGES,
      SELECTOR,
    ],
    row: printReplicaSet,
  },
  deployments: {
    columns: [
      NAME,
      col("Ready", "string", "Number of the pod with ready state"),
      col(
        "Up-to-date",
        "string",
        "Total number of non-terminated pods targeted by this deployment that have the desired template spec.",
      ),
      col(
        "Available",
        "string",
        "Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.",
      ),
      AGE,
      CONTAINERS,
      IMAGES,
      SELECTOR,
    ],
    row: printDeployment,
  },
  configmaps: {
    columns: [NAME, col("Data", "string", "Data contains the configuration data."), AGE],
    row: (cm: Json, now) => ({
      cells: [
        cm.metadata.name,
        Object.keys(cm.data ?? {}).length + Object.keys(cm.binaryData ?? {}).length,
        ageOf(cm.metadata.creationTimestamp, now),
      ],
    }),
  },
  serviceaccounts: {
    columns: [
      NAME,
      col(
        "Secrets",
        "string",
        "Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use.",
      ),
      AGE,
    ],
    row: (sa: Json, now) => ({
      cells: [sa.metadata.name, (sa.secrets ?? []).length, ageOf(sa.metadata.creationTimestamp, now)],
    }),
  },
  namespaces: {
    columns: [NAME, col("Status", "string", "The status of the namespace"), AGE],
    row: (ns: Json, now) => ({
      cells: [ns.metadata.name, ns.status?.phase ?? "", ageOf(ns.metadata.creationTimestamp, now)],
    }),
  },
  leases: {
    columns: [NAME, col("Holder", "string", "The holder of a lease"), AGE],
    row: (lease: Json, now) => ({
      cells: [
        lease.metadata.name,
        lease.spec?.holderIdentity ?? "",
        ageOf(lease.metadata.creationTimestamp, now),
      ],
    }),
  },
};

/** What the real server prints for a type without a printer (rest.DefaultTableConvertor): name and creation time. */
export const DEFAULT_PRINTER: Printer = {
  columns: [
    NAME,
    col(
      "Created At",
      "date",
      "CreationTimestamp is a timestamp representing the server time when this object was created.",
    ),
  ],
  row: (obj) => ({ cells: [obj.metadata.name, obj.metadata.creationTimestamp] }),
};

export function printerFor(resource: string): Printer {
  return PRINTERS[resource] ?? DEFAULT_PRINTER;
}
