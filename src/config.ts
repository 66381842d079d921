/**
 * The one place that reads the environment. Every setting is validated here at start, so a typo fails fast with a
 * message naming the variable, instead of surfacing later as odd behaviour. `.env.example` documents each one.
 */
import { existsSync, readFileSync } from "node:fs";
import dotenv from "dotenv";
import { z } from "zod";

/**
 * Local use: settings from a `.env` file (dotenv syntax) under the real environment, which wins, as dotenv does.
 * Returns the environment unchanged when there is no such file; never writes to process.env.
 */
export function withDotenvFile(
  env: NodeJS.ProcessEnv,
  path: string,
): { env: NodeJS.ProcessEnv; loadedFrom: string | null } {
  if (!existsSync(path)) return { env, loadedFrom: null };
  let fromFile: Record<string, string>;
  try {
    fromFile = dotenv.parse(readFileSync(path));
  } catch (err) {
    throw new ConfigError(`cannot read ${path}: ${(err as Error).message}`);
  }
  return { env: { ...fromFile, ...env }, loadedFrom: path };
}

/** An empty value (`NAME=` in .env) means "use the default", as it does for most tools. */
const unsetIfEmpty = (v: unknown) => (v === "" ? undefined : v);
const positiveInt = (fallback: number) =>
  z.preprocess(unsetIfEmpty, z.coerce.number().int().positive().default(fallback));
const optionalPath = () => z.preprocess(unsetIfEmpty, z.string().optional());
const flag = (fallback: boolean) =>
  z.preprocess(
    unsetIfEmpty,
    z
      .enum(["true", "false", "1", "0", "yes", "no"])
      .default(fallback ? "true" : "false")
      .transform((v) => v === "true" || v === "1" || v === "yes"),
  );
/** A comma- or space-separated list; empty entries dropped. */
const idList = () =>
  z.preprocess(
    unsetIfEmpty,
    z
      .string()
      .default("")
      .transform((v) => v.split(/[\s,]+/).filter((id) => id !== "")),
  );
/** A Kubernetes object name (RFC 1123 label), e.g. a namespace. */
const dnsLabel = (fallback: string) =>
  z.preprocess(
    unsetIfEmpty,
    z
      .string()
      .regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, "must be a lower-case RFC 1123 label")
      .default(fallback),
  );

export const NODE_ACCESS_MODES = ["auto", "kubernetes", "ssh", "none"] as const;
export type NodeAccessMode = (typeof NODE_ACCESS_MODES)[number];

export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const EnvSchema = z.object({
  /** Nodes file (YAML) describing how to reach nodes over SSH; without it, nodes are not inspected. */
  CNI_DOCTOR_NODES_FILE: optionalPath(),
  /** How nodes are reached: auto (ssh with a nodes file, kubernetes otherwise), kubernetes, ssh, none. */
  CNI_DOCTOR_NODE_ACCESS: z.preprocess(
    unsetIfEmpty,
    z.enum(NODE_ACCESS_MODES, { error: `must be one of ${NODE_ACCESS_MODES.join(", ")}` }).default("auto"),
  ),
  /**
   * Image of the node-agent pods (kubernetes node access). Default: the bot's own image as manifests/deployment.yaml
   * names it: Debian with GNU coreutils and findutils, so the command templates run as over SSH, and no second image
   * to trust or mirror.
   */
  CNI_DOCTOR_NODE_AGENT_IMAGE: z.preprocess(unsetIfEmpty, z.string().default("cni-doctor")),
  /** The only namespace where node-agent pods are created, exec'd into and deleted. */
  CNI_DOCTOR_NODE_AGENT_NAMESPACE: dnsLabel("cni-doctor-nodes"),
  /** PriorityClass of node-agent pods; none by default. */
  CNI_DOCTOR_NODE_AGENT_PRIORITY_CLASS: optionalPath(),
  /** How long a node-agent pod has to start (image pull included) before its node is reported not inspected, in ms. */
  CNI_DOCTOR_NODE_AGENT_START_TIMEOUT_MS: positiveInt(60_000),
  /** activeDeadlineSeconds of node-agent pods: the kubelet ends one its creator failed to delete. */
  CNI_DOCTOR_NODE_AGENT_DEADLINE_SECONDS: positiveInt(900),
  /** Timeout of one command on a node over the kubernetes transport, in milliseconds. */
  CNI_DOCTOR_NODE_COMMAND_TIMEOUT_MS: positiveInt(30_000),
  /** The CNI conf dir on every node (kubernetes transport); unset: detected per node from its Node object. */
  CNI_DOCTOR_CNI_CONF_DIR: optionalPath(),
  /** Per-request timeout for Kubernetes API calls, in milliseconds. */
  CNI_DOCTOR_KUBE_TIMEOUT_MS: positiveInt(15_000),
  /** Kubernetes reads and node inspections in flight at once. */
  CNI_DOCTOR_CONCURRENCY: positiveInt(8),

  // Remediation policy (approval gate). See .env.example and the README's configuration table.
  /** Who may approve a fix: Slack user IDs, Slack user-group IDs, and terminal users as `cli:<os user>`. */
  CNI_DOCTOR_APPROVERS: idList(),
  /** Whether the requester may approve their own fix: none (two-person rule), cli (terminal only), all. */
  CNI_DOCTOR_SELF_APPROVAL: z.preprocess(unsetIfEmpty, z.enum(["none", "cli", "all"]).default("none")),
  /** Distinct approvals a plan needs. */
  CNI_DOCTOR_APPROVAL_QUORUM: positiveInt(1),
  /** How long a proposed plan can be approved and started, in seconds. */
  CNI_DOCTOR_APPROVAL_TTL_SECONDS: positiveInt(900),
  /** Most nodes one run may change. */
  CNI_DOCTOR_MAX_NODES_PER_RUN: positiveInt(3),
  /** Whether a run may change control-plane nodes. */
  CNI_DOCTOR_ALLOW_CONTROL_PLANE: flag(false),
  /** The bot's namespace: run journal ConfigMaps and the per-cluster Lease live there. */
  CNI_DOCTOR_NAMESPACE: dnsLabel("cni-doctor"),
  /** Nodes worked on together; 1 = one node at a time. */
  CNI_DOCTOR_BATCH_SIZE: positiveInt(1),
  /** Where node backups go: <root>/<plan evidence id>/ on each node. */
  CNI_DOCTOR_BACKUP_ROOT: z.preprocess(unsetIfEmpty, z.string().default("/var/lib/cni-doctor/backup")),
  /** Timeout of each node-file step (backup, move aside, restore), in milliseconds. */
  CNI_DOCTOR_STEP_TIMEOUT_MS: positiveInt(60_000),
  /** How long a restarted CNI agent has to become Ready with a token the API server accepts, in milliseconds. */
  CNI_DOCTOR_AGENT_READY_TIMEOUT_MS: positiveInt(180_000),
  /** How long recycled pods have to come back Running and Ready (and verification to pass), in milliseconds. */
  CNI_DOCTOR_POD_READY_TIMEOUT_MS: positiveInt(300_000),
  /** Interval of bounded polls while waiting (token verification, endpoints, final diagnosis), in milliseconds. */
  CNI_DOCTOR_POLL_INTERVAL_MS: positiveInt(2_000),
  /** Lifetime of the per-cluster Lease without renewal, in seconds; a dead runner's lease lapses after this. */
  CNI_DOCTOR_LEASE_SECONDS: positiveInt(30),
  /**
   * Where the terminal commands (fix, pause, resume) append their JSON audit lines. Unset: a file in the user's state
   * directory when stderr is a terminal (so they do not interleave with the progress people read), stderr otherwise.
   */
  CNI_DOCTOR_AUDIT_LOG: optionalPath(),
  /** Least severe level of JSON log lines written (pino levels; silent writes none). */
  LOG_LEVEL: z.preprocess(
    unsetIfEmpty,
    z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(", ")}` }).default("info"),
  ),
});

export type SelfApproval = "none" | "cli" | "all";

/** The approval gate's and runner's policy. Plain data: the Slack bot and the CLI build theirs from loadConfig. */
export interface RemediationPolicy {
  approvers: string[];
  selfApproval: SelfApproval;
  quorum: number;
  approvalTtlMs: number;
  maxNodesPerRun: number;
  allowControlPlane: boolean;
  namespace: string;
  batchSize: number;
  backupRoot: string;
  stepTimeoutMs: number;
  agentReadyTimeoutMs: number;
  podReadyTimeoutMs: number;
  pollIntervalMs: number;
  leaseDurationSeconds: number;
}

/** How the kubernetes node-access transport runs its agent pods. */
export interface NodeAgentConfig {
  image: string;
  namespace: string;
  priorityClassName: string | undefined;
  startTimeoutMs: number;
  deadlineSeconds: number;
  commandTimeoutMs: number;
  cniConfDir: string | undefined;
}

export type Config = {
  nodesFile: string | undefined;
  nodeAccess: NodeAccessMode;
  nodeAgent: NodeAgentConfig;
  auditLog: string | undefined;
  kubeRequestTimeoutMs: number;
  concurrency: number;
  logLevel: LogLevel;
  remediation: RemediationPolicy;
};

export class ConfigError extends Error {
  override name = "ConfigError";
}

export function loadConfig(env: NodeJS.ProcessEnv): Config {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
    throw new ConfigError(`invalid environment settings: ${problems.join("; ")}`);
  }
  const e = parsed.data;
  return {
    nodesFile: e.CNI_DOCTOR_NODES_FILE,
    nodeAccess: e.CNI_DOCTOR_NODE_ACCESS,
    nodeAgent: {
      image: e.CNI_DOCTOR_NODE_AGENT_IMAGE,
      namespace: e.CNI_DOCTOR_NODE_AGENT_NAMESPACE,
      priorityClassName: e.CNI_DOCTOR_NODE_AGENT_PRIORITY_CLASS,
      startTimeoutMs: e.CNI_DOCTOR_NODE_AGENT_START_TIMEOUT_MS,
      deadlineSeconds: e.CNI_DOCTOR_NODE_AGENT_DEADLINE_SECONDS,
      commandTimeoutMs: e.CNI_DOCTOR_NODE_COMMAND_TIMEOUT_MS,
      cniConfDir: e.CNI_DOCTOR_CNI_CONF_DIR,
    },
    auditLog: e.CNI_DOCTOR_AUDIT_LOG,
    kubeRequestTimeoutMs: e.CNI_DOCTOR_KUBE_TIMEOUT_MS,
    concurrency: e.CNI_DOCTOR_CONCURRENCY,
    logLevel: e.LOG_LEVEL,
    remediation: {
      approvers: e.CNI_DOCTOR_APPROVERS,
      selfApproval: e.CNI_DOCTOR_SELF_APPROVAL,
      quorum: e.CNI_DOCTOR_APPROVAL_QUORUM,
      approvalTtlMs: e.CNI_DOCTOR_APPROVAL_TTL_SECONDS * 1000,
      maxNodesPerRun: e.CNI_DOCTOR_MAX_NODES_PER_RUN,
      allowControlPlane: e.CNI_DOCTOR_ALLOW_CONTROL_PLANE,
      namespace: e.CNI_DOCTOR_NAMESPACE,
      batchSize: e.CNI_DOCTOR_BATCH_SIZE,
      backupRoot: e.CNI_DOCTOR_BACKUP_ROOT,
      stepTimeoutMs: e.CNI_DOCTOR_STEP_TIMEOUT_MS,
      agentReadyTimeoutMs: e.CNI_DOCTOR_AGENT_READY_TIMEOUT_MS,
      podReadyTimeoutMs: e.CNI_DOCTOR_POD_READY_TIMEOUT_MS,
      pollIntervalMs: e.CNI_DOCTOR_POLL_INTERVAL_MS,
      leaseDurationSeconds: e.CNI_DOCTOR_LEASE_SECONDS,
    },
  };
}

// ---- Slack bot (`cni-doctor serve`) ---------------------------------------------------------------------------

const SLACK_ID_LIST = /^[UWS][A-Z0-9]{2,}$/;

const SlackEnvSchema = z.object({
  /** Bot token (xoxb-…): every Web API call. */
  SLACK_BOT_TOKEN: z.preprocess(
    unsetIfEmpty,
    z
      .string({ error: "is required: the bot token (xoxb-…) from the app's OAuth & Permissions page" })
      .regex(/^xoxb-/, "must be a bot token starting with xoxb-"),
  ),
  /** App-level token (xapp-…) with connections:write: Socket Mode. Without it, HTTP mode. */
  SLACK_APP_TOKEN: z.preprocess(
    unsetIfEmpty,
    z
      .string()
      .regex(/^xapp-/, "must be an app-level token starting with xapp-")
      .optional(),
  ),
  /** HTTP mode only: verifies that requests come from Slack. */
  SLACK_SIGNING_SECRET: z.preprocess(
    unsetIfEmpty,
    z.string().min(16, "looks too short for a Slack signing secret").optional(),
  ),
  /** The port serving /healthz, /readyz and /metrics, and in HTTP mode /slack/events. */
  PORT: z.preprocess(unsetIfEmpty, z.coerce.number().int().min(0).max(65535).default(3000)),
  /** Address PORT is served on; unset: every interface, as kubelet probes need in a pod. */
  HOST: z.preprocess(
    unsetIfEmpty,
    z
      .string()
      .regex(/^[0-9A-Za-z.:-]{1,253}$/, "is not a host name or IP address")
      .optional(),
  ),
  /** Web API base URL, e.g. https://slack-gov.com/api/ for GovSlack. */
  SLACK_API_URL: z.preprocess(unsetIfEmpty, z.url({ protocol: /^https?$/ }).optional()),
  /** kubeconfig contexts the bot may use, comma-separated; empty: the current context (or in-cluster config). */
  CNI_DOCTOR_CLUSTERS: idList(),
  /** Default cluster per channel: `C0123=prod,C0456=staging`. */
  CNI_DOCTOR_CHANNEL_CLUSTERS: idList(),
  /**
   * How long SIGTERM waits for the current remediation step (and its rollback) before forcing exit. Below the
   * Deployment's terminationGracePeriodSeconds (60), so the kubelet's SIGKILL never lands before our own log line.
   */
  CNI_DOCTOR_SHUTDOWN_TIMEOUT_SECONDS: positiveInt(25),
  /** /readyz fails when no configured cluster's API server has answered for this long; it is probed at a third of it. */
  CNI_DOCTOR_READY_KUBE_SECONDS: positiveInt(30),
  /** Channel id where the bot opens incident threads itself (cluster watch, Alertmanager); unset: it never does. */
  CNI_DOCTOR_INCIDENT_CHANNEL: z.preprocess(
    unsetIfEmpty,
    z
      .string()
      .regex(/^[CG][A-Z0-9]{2,}$/, "must be a Slack channel id (C… or G…), not a channel name")
      .optional(),
  ),
  /** How long the incident watch waits after the first CNI failure of a burst before diagnosing, in seconds. */
  CNI_DOCTOR_INCIDENT_DEBOUNCE_SECONDS: positiveInt(30),
  /** How often an open incident is diagnosed again to see whether it is over, in seconds. */
  CNI_DOCTOR_INCIDENT_RECHECK_SECONDS: positiveInt(60),
  /** Bearer token Alertmanager must send to POST /alertmanager; unset: the receiver is off (404). */
  CNI_DOCTOR_ALERTMANAGER_TOKEN: z.preprocess(
    unsetIfEmpty,
    z.string().min(16, "is too short: use at least 16 random characters").optional(),
  ),
});

export interface SlackSettings {
  botToken: string;
  /** Socket Mode when set. */
  appToken: string | undefined;
  signingSecret: string | undefined;
  port: number;
  /** Address the port is bound to; undefined: every interface. */
  host: string | undefined;
  /** Ends in "/", as the WebClient expects. */
  apiUrl: string | undefined;
  clusters: string[];
  channelClusters: Record<string, string>;
  shutdownTimeoutMs: number;
  /** How recently a Kubernetes API server must have answered for /readyz to pass. */
  kubeReadyWindowMs: number;
  /** Slack user ids and user-group ids from CNI_DOCTOR_APPROVERS (terminal users left out). */
  approverIds: string[];
  approverGroups: string[];
  /** The bot's own incident threads; null without CNI_DOCTOR_INCIDENT_CHANNEL. */
  incident: { channel: string; debounceMs: number; recheckMs: number } | null;
  /** The bearer token POST /alertmanager requires; null: the receiver is off. */
  alertmanagerToken: string | null;
}

/** The Slack bot's settings, validated: the messages name the variable and say what to set. Never echoes a secret. */
export function loadSlackSettings(env: NodeJS.ProcessEnv): SlackSettings {
  const parsed = SlackEnvSchema.safeParse(env);
  const problems = parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join(".")} ${i.message}`);
  if (parsed.success) {
    const e = parsed.data;
    if (!e.SLACK_APP_TOKEN && !e.SLACK_SIGNING_SECRET) {
      problems.push(
        "SLACK_APP_TOKEN or SLACK_SIGNING_SECRET is required: set SLACK_APP_TOKEN (xapp-…) for Socket Mode, or SLACK_SIGNING_SECRET for HTTP mode",
      );
    }
    if (e.CNI_DOCTOR_ALERTMANAGER_TOKEN && !e.CNI_DOCTOR_INCIDENT_CHANNEL) {
      problems.push(
        "CNI_DOCTOR_ALERTMANAGER_TOKEN is set but CNI_DOCTOR_INCIDENT_CHANNEL is not: alert threads are opened in the incident channel, so set its id too",
      );
    }
    for (const pair of e.CNI_DOCTOR_CHANNEL_CLUSTERS) {
      if (!/^[CGD][A-Z0-9]{2,}=[^=]+$/.test(pair)) {
        problems.push(`CNI_DOCTOR_CHANNEL_CLUSTERS entry '${pair.slice(0, 60)}' is not CHANNEL_ID=context`);
      }
    }
  }
  const approvers = EnvSchema.shape.CNI_DOCTOR_APPROVERS.safeParse(env.CNI_DOCTOR_APPROVERS);
  const slackApprovers = (approvers.success ? approvers.data : []).filter((id) => !id.startsWith("cli:"));
  for (const id of slackApprovers) {
    if (!SLACK_ID_LIST.test(id)) {
      problems.push(
        `CNI_DOCTOR_APPROVERS entry '${id.slice(0, 40)}' is not a Slack user (U…/W…) or user-group (S…) id, nor cli:<user>`,
      );
    }
  }
  if (problems.length > 0 || !parsed.success) {
    throw new ConfigError(`invalid Slack settings: ${problems.join("; ")}`);
  }
  const e = parsed.data;
  const channelClusters = Object.fromEntries(
    e.CNI_DOCTOR_CHANNEL_CLUSTERS.map((p) => p.split("=") as [string, string]),
  );
  return {
    botToken: e.SLACK_BOT_TOKEN,
    appToken: e.SLACK_APP_TOKEN,
    signingSecret: e.SLACK_SIGNING_SECRET,
    port: e.PORT,
    host: e.HOST,
    apiUrl: e.SLACK_API_URL
      ? e.SLACK_API_URL.endsWith("/")
        ? e.SLACK_API_URL
        : `${e.SLACK_API_URL}/`
      : undefined,
    clusters: e.CNI_DOCTOR_CLUSTERS,
    channelClusters,
    shutdownTimeoutMs: e.CNI_DOCTOR_SHUTDOWN_TIMEOUT_SECONDS * 1000,
    kubeReadyWindowMs: e.CNI_DOCTOR_READY_KUBE_SECONDS * 1000,
    approverIds: slackApprovers.filter((id) => !id.startsWith("S")),
    approverGroups: slackApprovers.filter((id) => id.startsWith("S")),
    incident: e.CNI_DOCTOR_INCIDENT_CHANNEL
      ? {
          channel: e.CNI_DOCTOR_INCIDENT_CHANNEL,
          debounceMs: e.CNI_DOCTOR_INCIDENT_DEBOUNCE_SECONDS * 1000,
          recheckMs: e.CNI_DOCTOR_INCIDENT_RECHECK_SECONDS * 1000,
        }
      : null,
    alertmanagerToken: e.CNI_DOCTOR_ALERTMANAGER_TOKEN ?? null,
  };
}

// ---- MCP server (`cni-doctor mcp`) ----------------------------------------------------------------------------

const McpEnvSchema = z.object({
  /**
   * Bearer token the Streamable HTTP mode (`--listen`) requires of every request; without it that mode refuses to
   * start. Not used over stdio, where the client that spawned the process is the only one that can talk to it.
   */
  CNI_DOCTOR_MCP_TOKEN: z.preprocess(
    unsetIfEmpty,
    z.string().min(32, "is too short: use at least 32 characters (e.g. openssl rand -hex 32)").optional(),
  ),
  /** kubeconfig contexts the MCP tools may use, comma-separated; empty: the current context (or --context). */
  CNI_DOCTOR_CLUSTERS: idList(),
  /** The most one tool call may take, in seconds; past it the call ends with a tool error. */
  CNI_DOCTOR_MCP_TOOL_TIMEOUT_SECONDS: positiveInt(120),
});

export interface McpSettings {
  /** Undefined when unset; never logged, never echoed in an error. */
  token: string | undefined;
  clusters: string[];
  toolTimeoutMs: number;
}

/** The MCP server's settings, validated; a message names the variable, never its value. */
export function loadMcpSettings(env: NodeJS.ProcessEnv): McpSettings {
  const parsed = McpEnvSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".")} ${i.message}`);
    throw new ConfigError(`invalid MCP settings: ${problems.join("; ")}`);
  }
  const e = parsed.data;
  return {
    token: e.CNI_DOCTOR_MCP_TOKEN,
    clusters: e.CNI_DOCTOR_CLUSTERS,
    toolTimeoutMs: e.CNI_DOCTOR_MCP_TOOL_TIMEOUT_SECONDS * 1000,
  };
}

/**
 * Every environment variable the settings above read, with its schema (parsing `undefined` gives its default), for
 * the settings page's check (docs/settings.md).
 */
export const ENV_SETTINGS: Readonly<Record<string, z.ZodType>> = {
  ...EnvSchema.shape,
  ...SlackEnvSchema.shape,
  ...McpEnvSchema.shape,
};
