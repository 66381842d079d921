/**
 * Benchmark 3's measured step, the same for both transports: the product's inspectNode on every node, `concurrency`
 * at a time, with the wall time and this process's CPU over it. Failures are counted, the first few printed.
 */
import { inspectNode, type readClusterReference } from "../../src/diagnosis/forensics/index.ts";
import type { ClusterReader } from "../../src/kube/reader.ts";
import type { NodeReader } from "../../src/nodes/index.ts";
import { Limiter } from "../../src/shared/limiter.ts";

export interface Tally {
  inspected: number;
  errors: number;
}

export async function inspectNodesTimed(
  access: NodeReader,
  cluster: {
    reader: ClusterReader;
    reference: Awaited<ReturnType<typeof readClusterReference>>["reference"];
    ipByNode: Map<string, string | undefined>;
  },
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
