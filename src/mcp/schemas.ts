/**
 * Input and output schemas of the MCP tools (zod; the SDK turns them into JSON Schema for tools/list and checks every
 * call and every answer against them). Outputs are the CLI's JSON contracts from the README; objects are loose, so a
 * field added to a contract later is passed on rather than failing the call.
 */
import { z } from "zod";

const name = (what: string) =>
  z
    .string()
    .min(1)
    .max(253)
    .regex(/^[A-Za-z0-9]([-A-Za-z0-9._:@/]*[A-Za-z0-9])?$/, `must be a ${what} name`);

const clusterInput = name("kubeconfig context")
  .optional()
  .describe(
    "kubeconfig context of the cluster (one of those this server allows); default: the first allowed.",
  );

export const diagnoseInput = {
  cluster: clusterInput,
  namespace: name("namespace").optional().describe("Only pods in this namespace."),
  node: name("node").optional().describe("Only this node."),
};

export const explainInput = {
  messages: z
    .array(
      z
        .string()
        .min(1)
        .max(64 * 1024),
    )
    .min(1)
    .max(100)
    .describe(
      "kubelet event or node-condition messages, e.g. the text of FailedCreatePodSandBox or NetworkNotReady events.",
    ),
};

export const proposeFixInput = {
  cluster: clusterInput,
  node: name("node").optional().describe("Only this node (narrows the plan's blast radius)."),
};

export const listRunsInput = { cluster: clusterInput };

const identity = z.looseObject({
  context: z.string(),
  server: z.string(),
  caFingerprint: z.string().nullable(),
});

const finding = z.looseObject({
  family: z.string(),
  cni: z.string(),
  rootCause: z.string(),
  confidence: z.string(),
  summary: z.string(),
  nodes: z.array(z.string()),
  pods: z.array(z.looseObject({})),
  evidence: z.looseObject({}),
  suggestedChecks: z.array(z.string()),
});

export const diagnoseOutput = {
  cluster: identity,
  healthy: z.boolean(),
  checkedAt: z.string(),
  scope: z.object({ namespace: z.string().nullable(), node: z.string().nullable() }),
  checked: z.looseObject({
    pendingPods: z.number(),
    sandboxEvents: z.number(),
    nodes: z.number(),
    cniAgents: z.array(z.string()),
  }),
  findings: z.array(finding),
  errors: z.array(z.looseObject({ operation: z.string(), failure: z.string(), message: z.string() })),
  halfDoneRuns: z.union([
    z.object({
      runs: z.array(z.looseObject({ runId: z.string(), status: z.string(), command: z.string() })),
    }),
    z.object({ unreadable: z.string() }),
  ]),
};

export const explainOutput = {
  results: z.array(
    z.looseObject({
      input: z.string(),
      family: z.string(),
      cni: z.string(),
      phase: z.string(),
      runtime: z.string(),
      details: z.looseObject({}),
    }),
  ),
};

const runSummary = z.looseObject({
  id: z.string(),
  state: z.string(),
  digest: z.string(),
  cluster: z.string(),
  nodes: z.array(z.string()),
  requestedBy: z.string(),
  approvedBy: z.array(z.string()),
  requestedAt: z.string(),
  expiresAt: z.string(),
  outcome: z.string().nullable(),
});

const plan = z.looseObject({
  digest: z.string(),
  evidenceId: z.string(),
  steps: z.array(z.looseObject({ kind: z.string(), description: z.string() })),
  blastRadius: z.looseObject({ nodes: z.array(z.string()), pods: z.array(z.string()) }),
  manualActions: z.array(z.looseObject({})),
  nothingToDo: z.boolean(),
});

export const proposeFixOutput = {
  proposed: z
    .boolean()
    .describe("true: a pending run was journaled; false: nothing to propose (see reason)."),
  cluster: identity,
  plan,
  run: runSummary.optional(),
  digest: z.string().optional().describe("The plan's digest: an approval is for this exact plan."),
  expiresAt: z.string().optional().describe("When the run can no longer be approved."),
  quorum: z.number().optional(),
  policyViolations: z.array(z.string()).optional(),
  approval: z
    .object({ approvable: z.boolean(), howToApprove: z.array(z.string()) })
    .optional()
    .describe("How a person approves the run; no tool can."),
  reason: z.string().optional(),
};

export const listRunsOutput = {
  cluster: identity,
  paused: z.boolean(),
  runs: z.array(runSummary),
};
