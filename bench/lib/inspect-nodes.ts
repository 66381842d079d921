/**
 * Benchmark 3's measured step, the same for both transports: the product's inspectNode on every node, `concurrency`
 * at a time, with the wall time and this process's CPU over it. Failures are counted, the first few printed.
 */
import { inspectNode, readClusterReference } from "../../src/diagnosis/forensics/index.ts";
import { type LoadedCluster, loadCluster } from "../../src/kube/cluster-config.ts";
import { type ClusterReader, createClusterReader } from "../../src/kube/reader.ts";
import type { V1Node } from "../../src/kube/types.ts";
import type { NodeReader } from "../../src/nodes/index.ts";
import { Limiter } from "../../src/shared/limiter.ts";

export interface Tally {
  inspected: number;
  errors: number;
}

/** What inspectNode needs of the cluster, read once per child. */
export interface FanoutCluster {
  loaded: LoadedCluster;
  reader: ClusterReader;
  reference: Awaited<ReturnType<typeof readClusterReference>>["reference"];
  nodeObjects: V1Node[];
  ipByNode: Map<string, string | undefined>;
  /** The first `count` workers by name (the control-plane node left out). */
  workers: string[];
}

export async function openFanoutCluster(kubeconfigPath: string, count: number): Promise<FanoutCluster> {
  const loaded = loadCluster({ kubeconfigPath });
  const reader = createClusterReader(loaded.kubeConfig, loaded.identity);
  const { reference } = await readClusterReference(reader);
  const nodeObjects = await reader.listNodes();
  const ipByNode = new Map(
    nodeObjects.map((n) => [
      n.metadata?.name ?? "",
      n.status?.addresses?.find((a) => a.type === "InternalIP")?.address,
    ]),
  );
  const workers = [...ipByNode.keys()]
    .filter((n) => n !== "k8s-master")
    .sort()
    .slice(0, count);
  return { loaded, reader, reference, nodeObjects, ipByNode, workers };
}

export async function inspectNodesTimed(
  access: NodeReader,
  cluster: Pick<FanoutCluster, "reader" | "reference" | "ipByNode">,
  nodes: string[],
  concurrency: number,
  tally: Tally,
): Promise<{ ms: number; cpuMs: number }> {
  const cpu0 = process.cpuUsage();
  const limiter = new Limiter(concurrency);
  const started = performance.now();
  await Promise.all(
    nodes.map((node) =>
      limiter.run(async () => {
        try {
          await inspectNode(
            access,
            cluster.reader,
            { node, internalIP: cluster.ipByNode.get(node) },
            cluster.reference,
          );
          tally.inspected++;
        } catch (err) {
          tally.errors++;
          if (tally.errors <= 3) process.stderr.write(`inspect ${node}: ${(err as Error).message}\n`);
        }
      }),
    ),
  );
  const ms = performance.now() - started;
  const cpu = process.cpuUsage(cpu0);
  return { ms, cpuMs: (cpu.user + cpu.system) / 1000 };
}
