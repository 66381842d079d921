/**
 * What the MCP tools do, with the collaborators the CLI gives them: the allowed clusters, a way to open read-only
 * node access, the remediation policy. Diagnosis reads; a proposal journals one pending run through a RemediationService
 * whose writers can do nothing else (proposal-only.ts). Nothing here approves, executes, pauses, resumes or rolls back.
 */
import type { Logger } from "pino";
import type { RemediationPolicy } from "../config.ts";
import type { Classification, Diagnosis } from "../diagnosis/index.ts";
import {
  checkScope,
  classifyMessage,
  diagnoseCluster,
  stripControlCharacters,
  unusableApiServer,
} from "../diagnosis/index.ts";
import type { LoadedCluster } from "../kube/cluster-config.ts";
import { KubeAccessError } from "../kube/errors.ts";
import type { ClusterReader } from "../kube/reader.ts";
import type { ClusterIdentity } from "../kube/types.ts";
import { createClusterWriter } from "../kube/writer.ts";
import type { NodeReader } from "../nodes/index.ts";
import { type HalfDoneLook, lookForHalfDoneRuns } from "../remediation/half-done.ts";
import { type Plan, type ProposedRun, RemediationService } from "../remediation/index.ts";
import type { McpCluster, McpClusters } from "./clusters.ts";
import {
  journalOnlyWriter,
  noPodWaiting,
  proposalNodeAccess,
  type RefusalListener,
} from "./proposal-only.ts";
import { ToolRefusal } from "./refusal.ts";
import { listRunsReadOnly, type RunsListing } from "./runs.ts";

/** Opens read-only node access for a cluster as --node-access/--nodes-file say; undefined means cluster-side only. */
export type OpenNodeReader = (
  cluster: LoadedCluster,
  reader: ClusterReader,
) => Promise<NodeReader | undefined>;

export interface McpBackendDeps {
  clusters: McpClusters;
  openNodeReader: OpenNodeReader;
  policy: RemediationPolicy;
  concurrency: number;
  kubeRequestTimeoutMs: number;
  /** Audit lines of proposals (stderr: stdout is the protocol). */
  logger: Logger;
  /** Told of every write the wrappers refused; the tests hold it to "never". */
  onRefused?: RefusalListener;
}

/** `diagnose --json`: the Diagnosis and, beside it, the runs that left files moved aside. */
export type DiagnoseReport = Diagnosis & { halfDoneRuns: HalfDoneLook };

/** One line of `explain --json`. */
export type Explanation = { input: string } & Classification;

export type Proposal =
  | {
      proposed: true;
      cluster: ClusterIdentity;
      run: ProposedRun["run"];
      plan: Plan;
      digest: string;
      expiresAt: string;
      quorum: number;
      policyViolations: string[];
      approval: { approvable: boolean; howToApprove: string[] };
    }
  | { proposed: false; cluster: ClusterIdentity; reason: string; plan: Plan };

const INPUT_ECHO_CHARS = 200;

export class McpBackend {
  readonly #d: McpBackendDeps;

  constructor(deps: McpBackendDeps) {
    this.#d = deps;
  }

  clusterNames(): string[] {
    return this.#d.clusters.names();
  }

  async diagnose(input: { cluster?: string; namespace?: string; node?: string }): Promise<DiagnoseReport> {
    const cluster = this.#d.clusters.open(input.cluster);
    const scope = { namespace: input.namespace, node: input.node };
    await this.#checkScope(cluster, scope);
    const halfDone = lookForHalfDoneRuns(cluster.reader, this.#d.policy.namespace, new Date());
    const diagnosis = await this.#withNodes(cluster, (nodeReader) =>
      diagnoseCluster(cluster.reader, {
        scope,
        concurrency: this.#d.concurrency,
        ...(nodeReader ? { nodeReader } : {}),
      }),
    );
    refuseUnusable(diagnosis);
    return { ...diagnosis, halfDoneRuns: await halfDone };
  }

  explain(messages: readonly string[]): Explanation[] {
    return messages.map((message) => {
      const clean = stripControlCharacters(message).trim();
      const input = clean.length > INPUT_ECHO_CHARS ? `${clean.slice(0, INPUT_ECHO_CHARS - 1)}…` : clean;
      return { input, ...classifyMessage(message) };
    });
  }

  /** `requester` names the MCP client as the journal records who asked (from its initialize request). */
  async proposeFix(input: { cluster?: string; node?: string }, requester: string): Promise<Proposal> {
    const cluster = this.#d.clusters.open(input.cluster);
    await this.#checkScope(cluster, { node: input.node });
    const identity = cluster.loaded.identity;
    return this.#withNodes(cluster, async (nodeReader) => {
      if (!nodeReader) {
        throw new ToolRefusal(
          "no-node-access",
          `propose_fix needs node access to prove the cause on each node, and this server has none for ${identity.context}: start it with --node-access kubernetes (agent pods in the agent namespace) or --nodes-file FILE (SSH). diagnose still works cluster-side.`,
        );
      }
      const service = this.#service(cluster, nodeReader);
      const diagnosis = await diagnoseCluster(cluster.reader, {
        scope: { node: input.node },
        nodeReader,
        concurrency: this.#d.concurrency,
      });
      refuseUnusable(diagnosis);
      const plan = await service.plan(diagnosis);
      if (plan.nothingToDo) {
        const reason =
          diagnosis.errors.length > 0
            ? `nothing to propose: the diagnosis was incomplete (${diagnosis.errors.map((e) => `${e.operation}: ${e.message}`).join("; ")}).`
            : plan.manualActions.length > 0
              ? "nothing cni-doctor can do automatically: only manual actions remain (see plan.manualActions)."
              : "nothing to fix: the diagnosis found no problem cni-doctor repairs.";
        return { proposed: false, cluster: identity, reason, plan };
      }
      const proposed = await journaled(() =>
        service.propose(diagnosis, {
          // "process": the MCP server asks on the client's behalf; such an actor can never approve anything.
          requestedBy: { id: `mcp:${requester}`, displayName: `${requester} (MCP client)`, via: "process" },
        }),
      );
      return {
        proposed: true,
        cluster: identity,
        run: proposed.run,
        plan: proposed.plan,
        digest: proposed.plan.digest,
        expiresAt: proposed.expiresAt,
        quorum: proposed.quorum,
        policyViolations: proposed.policyViolations,
        approval: howToApprove(proposed, identity),
      };
    });
  }

  async listRuns(input: { cluster?: string }): Promise<RunsListing & { cluster: ClusterIdentity }> {
    const cluster = this.#d.clusters.open(input.cluster);
    const reads = createClusterWriter(cluster.loaded.kubeConfig, {
      requestTimeoutMs: this.#d.kubeRequestTimeoutMs,
    });
    const listing = await journaled(() =>
      listRunsReadOnly(journalOnlyWriter(reads, this.#d.policy.namespace, this.#refused), {
        namespace: this.#d.policy.namespace,
        leaseDurationSeconds: this.#d.policy.leaseDurationSeconds,
        now: new Date(),
      }),
    );
    return { cluster: cluster.loaded.identity, ...listing };
  }

  readonly #refused: RefusalListener = (what) => {
    this.#d.logger.error({ refused: what }, `cni-doctor mcp refused a write: ${what}`);
    this.#d.onRefused?.(what);
  };

  #service(cluster: McpCluster, nodeReader: NodeReader): RemediationService {
    const writer = createClusterWriter(cluster.loaded.kubeConfig, {
      requestTimeoutMs: this.#d.kubeRequestTimeoutMs,
    });
    return new RemediationService({
      reader: cluster.reader,
      writer: journalOnlyWriter(writer, this.#d.policy.namespace, this.#refused),
      pods: noPodWaiting(this.#refused),
      nodeWriter: proposalNodeAccess(nodeReader, this.#refused),
      policy: this.#d.policy,
      logger: this.#d.logger,
    });
  }

  /** A --node or --namespace that names nothing is the caller's mistake, said as such (not "healthy", not a 404). */
  async #checkScope(
    cluster: McpCluster,
    scope: { namespace?: string | undefined; node?: string | undefined },
  ) {
    // A failed read here is the diagnosis's to report, in one line when the API server cannot be used.
    const problem = await checkScope(cluster.reader, scope).catch(() => null);
    if (problem) {
      throw new ToolRefusal(
        problem.kind === "unknown-node" ? "unknown-node" : "unknown-namespace",
        problem.message,
      );
    }
  }

  async #withNodes<T>(cluster: McpCluster, work: (nodes: NodeReader | undefined) => Promise<T>): Promise<T> {
    const nodes = await this.#d.openNodeReader(cluster.loaded, cluster.reader);
    try {
      return await work(nodes);
    } finally {
      await nodes?.close();
    }
  }
}

/** Nothing could be read: one refusal for the one cause (forbidden, or the API server unreachable). */
function refuseUnusable(diagnosis: Diagnosis): void {
  const unusable = unusableApiServer(diagnosis);
  if (unusable === null) return;
  const failure = diagnosis.errors[0]?.failure;
  throw new ToolRefusal(
    failure === "forbidden" || failure === "unauthorized" ? "forbidden" : "unreachable",
    unusable.line,
  );
}

/** Journal calls: a refused or failed Kubernetes call is said as forbidden or unreachable, with what was tried. */
async function journaled<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof KubeAccessError) {
      const kind =
        err.failure === "forbidden" || err.failure === "unauthorized"
          ? "forbidden"
          : err.failure === "unreachable" || err.failure === "timeout"
            ? "unreachable"
            : "journal-unavailable";
      throw new ToolRefusal(kind, `cni-doctor's run journal: ${err.message}`);
    }
    if ((err as Error).name === "JournalError")
      throw new ToolRefusal("journal-unavailable", (err as Error).message);
    throw err;
  }
}

function howToApprove(proposed: ProposedRun, identity: ClusterIdentity) {
  const id = proposed.run.id;
  if (proposed.policyViolations.length > 0) {
    return {
      approvable: false,
      howToApprove: [
        `The policy forbids this plan (${proposed.policyViolations.join("; ")}); nobody can approve run ${id}. Narrow it with propose_fix's node, or change the policy.`,
      ],
    };
  }
  return {
    approvable: true,
    howToApprove: [
      `A person listed in CNI_DOCTOR_APPROVERS approves it before ${proposed.expiresAt}: \`cni-doctor approve ${id} --context ${identity.context}\` at a terminal (${proposed.quorum} approval${proposed.quorum === 1 ? "" : "s"} needed); the approval that completes the quorum runs the plan there, after checking it against a fresh diagnosis.`,
      "In Slack, `/cni status` lists the run while the bot is running; the Approve button is on plans the bot posted in a thread, so a run proposed here is approved at a terminal.",
      "No MCP tool approves, runs, pauses or rolls back anything.",
    ],
  };
}
