import { z } from "zod";

/** The scenario file format; see README.md in this folder. */

const duration = z
  .string()
  .regex(/^(0|(\d+(\.\d+)?(ms|s|m|h|d))+)$/, "a duration such as 90s, 30m, 36h, 40d or 1h30m");

const calicoBehaviour = z.enum(["running", "crash-loop", "image-pull-failure"]);
const ciliumBehaviour = z.enum(["running", "not-ready"]);

const cniFile = z.discriminatedUnion("kind", [
  z
    .object({
      kind: z.literal("calico-kubeconfig"),
      name: z.string().default("calico-kubeconfig"),
      /** Whose key signed the token and whose CA the file carries. */
      cluster: z.enum(["current", "previous"]).default("current"),
      /** install-cni's format, or the calico/node refresher's ("Installed by calico/node."). */
      writer: z.enum(["install-cni", "refresher"]).default("refresher"),
      tokenIssuedAgo: duration,
      tokenLifetime: duration.default("24h"),
      /** Defaults to tokenIssuedAgo: the file was written when the token was minted. */
      modifiedAgo: duration.optional(),
    })
    .strict(),
  z
    .object({
      kind: z.literal("calico-conflist"),
      name: z.string().default("10-calico.conflist"),
      modifiedAgo: duration,
    })
    .strict(),
  z
    .object({
      kind: z.literal("cilium-conflist"),
      name: z.string().default("05-cilium.conflist"),
      modifiedAgo: duration,
    })
    .strict(),
  z
    .object({
      kind: z.literal("multus-conf"),
      name: z.string().default("00-multus.conf"),
      /** The delegate thick Multus's daemon wrote in, as the path it sees (the host's conf dir under /host). */
      clusterNetwork: z.string().default("/host/etc/cni/net.d/10-calico.conflist"),
      modifiedAgo: duration,
    })
    .strict(),
  z
    .object({
      kind: z.literal("file"),
      name: z.string(),
      content: z.string(),
      modifiedAgo: duration.optional(),
      mode: z.number().int().optional(),
    })
    .strict(),
  z.object({ kind: z.literal("absent"), name: z.string() }).strict(),
]);

const node = z
  .object({
    name: z.string().regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, "a DNS-1123 name"),
    role: z.enum(["control-plane", "worker"]).default("worker"),
    internalIP: z.ipv4(),
    podCIDR: z.string().regex(/^\d+\.\d+\.\d+\.\d+\/\d+$/, "an IPv4 CIDR"),
    /** The conf dir this node's container runtime reads. */
    confDir: z.string().startsWith("/").optional(),
    /** How long before now the node joined; defaults to the cluster's age. */
    joinedAgo: duration.optional(),
    calicoNode: z
      .object({
        state: calicoBehaviour.default("running"),
        startedAgo: duration.optional(),
        restarts: z.number().int().min(0).default(0),
        refresher: z.enum(["running", "stalled"]).default("running"),
        /** Behaviour of a replacement pod; defaults to "running", or "crash-loop" for a crash-looping agent. */
        replacement: calicoBehaviour.optional(),
      })
      .strict()
      .default({ state: "running", restarts: 0, refresher: "running" }),
    /** The cilium agent on the node (Cilium scenarios). */
    ciliumAgent: z
      .object({
        state: ciliumBehaviour.default("running"),
        startedAgo: duration.optional(),
        /** Behaviour of a replacement pod; defaults to "running". */
        replacement: ciliumBehaviour.optional(),
      })
      .strict()
      .default({ state: "running" }),
    /** Files put in the conf dir after calico-node started (so install-cni did not overwrite them). */
    cniFiles: z.array(cniFile).default([]),
  })
  .strict();

const workload = z
  .object({
    name: z.string(),
    namespace: z.string().default("default"),
    labels: z.record(z.string(), z.string()),
    replicas: z.number().int().min(0),
    image: z.string(),
    containerName: z.string().optional(),
    port: z.number().int().positive().optional(),
    /** A ClusterIP Service with the workload's name and selector. */
    service: z.boolean().default(true),
    /** Nodes the pods were scheduled to, round-robin; defaults to the workers. */
    placement: z.array(z.string()).optional(),
    createdAgo: duration.default("30m"),
  })
  .strict();

export const scenarioSchema = z
  .object({
    name: z.string(),
    description: z.string(),
    kubernetesVersion: z.string().default("v1.29.4"),
    containerRuntimeVersion: z.string().default("containerd://1.7.13"),
    osImage: z.string().default("Ubuntu 22.04.4 LTS"),
    kernelVersion: z.string().default("5.15.0-105-generic"),
    /** Kubelet sync period: how often stuck pods are retried. Overridden by startSimulatedCluster's syncPeriodMs. */
    syncPeriod: duration.default("1s"),
    /** Retry spacing used to replay the event history of pods stuck since before the simulation started. */
    historyRetryInterval: duration.default("5s"),
    /** Whether pods running at the start carry their Pulled/Created/Started events (large clusters may skip them). */
    startEvents: z.boolean().default(true),
    cluster: z
      .object({
        /** When the current control plane was initialised. */
        createdAgo: duration,
        /** An earlier cluster on the same machines, whose files some nodes kept. */
        previous: z.object({ createdAgo: duration }).strict().optional(),
      })
      .strict(),
    calico: z
      .object({
        install: z.enum(["operator", "manifest"]),
        version: z.string().regex(/^v\d+\.\d+\.\d+$/),
        /** Where calico-node writes (its cni-net-dir hostPath). */
        confDir: z.string().startsWith("/").default("/etc/cni/net.d"),
      })
      .strict()
      .optional(),
    /** Cilium instead of Calico: the cilium DaemonSet in kube-system (Helm chart defaults). */
    cilium: z
      .object({
        version: z.string().regex(/^v\d+\.\d+\.\d+$/),
        /** Where cilium-agent writes its CNI config (its etc-cni-netd hostPath). */
        confDir: z.string().startsWith("/").default("/etc/cni/net.d"),
      })
      .strict()
      .optional(),
    nodes: z.array(node).min(1),
    workloads: z.array(workload).default([]),
    /** Images the nodes (default: all) cannot pull: pods using them wait on ErrImagePull / ImagePullBackOff. */
    unpullableImages: z
      .array(z.object({ image: z.string().min(1), nodes: z.array(z.string()).optional() }).strict())
      .default([]),
  })
  .strict()
  .superRefine((s, ctx) => {
    if ((s.calico === undefined) === (s.cilium === undefined)) {
      ctx.addIssue({
        code: "custom",
        message: "a scenario installs exactly one CNI: calico or cilium",
        path: [],
      });
    }
    const names = new Set(s.nodes.map((n) => n.name));
    if (names.size !== s.nodes.length)
      ctx.addIssue({ code: "custom", message: "node names must be unique", path: ["nodes"] });
    if (!s.nodes.some((n) => n.role === "control-plane")) {
      ctx.addIssue({ code: "custom", message: "a scenario needs a control-plane node", path: ["nodes"] });
    }
    s.workloads.forEach((w, i) => {
      for (const p of w.placement ?? []) {
        if (!names.has(p))
          ctx.addIssue({
            code: "custom",
            message: `placement names unknown node "${p}"`,
            path: ["workloads", i, "placement"],
          });
      }
    });
    const usesPrevious = s.nodes.some((n) =>
      n.cniFiles.some((f) => f.kind === "calico-kubeconfig" && f.cluster === "previous"),
    );
    if (usesPrevious && !s.cluster.previous) {
      ctx.addIssue({
        code: "custom",
        message: "files from the previous cluster need cluster.previous",
        path: ["cluster", "previous"],
      });
    }
  });

export type Scenario = z.output<typeof scenarioSchema>;
export type ScenarioNode = Scenario["nodes"][number];
export type ScenarioCniFile = ScenarioNode["cniFiles"][number];
export type ScenarioWorkload = Scenario["workloads"][number];
