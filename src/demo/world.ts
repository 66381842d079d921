/**
 * Everything the demo starts on 127.0.0.1: the simulated cluster with its SSH nodes (RBAC enforced), the bot's
 * identity and RBAC applied from manifests/, a local Slack speaking Slack's protocol, and the real bot
 * (`startCniDoctorBot`, as `cni-doctor serve` starts it) running as the bot's ServiceAccount with the policy from
 * manifests/config/policy.env. Throwaway credentials (freshSlackCredentials) are never printed.
 */
import { readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { loadConfig, loadSlackSettings } from "../config.ts";
import {
  type AuthorizationRecord,
  type RunningSimulatedCluster,
  startSimulatedCluster,
} from "../sim/index.ts";
import { type FakeSlack, freshSlackCredentials, startFakeSlack } from "../sim/slack/index.ts";
import { type RunningCniDoctorBot, startCniDoctorBot } from "../slack/start.ts";
import { applyManifests, identityManifests, type KubeRest, kubeRest, MANIFESTS_DIR } from "./kube-rest.ts";

export const PEOPLE = {
  alice: { id: "U0ALICE001", name: "alice", realName: "Alice (on call)" },
  bob: { id: "U0BOB00001", name: "bob", realName: "Bob (approver)" },
};
export const ONCALL_GROUP = "S0ONCALL01";
export const CHANNEL = "C0INCIDENT";
export const BOT_NAMESPACE = "cni-doctor";
export const BOT_USER = `system:serviceaccount:${BOT_NAMESPACE}:cni-doctor`;

/**
 * Settings the demo changes from manifests/config/policy.env so a run fits in a minute: a node whose agent does not
 * come back is rolled back after 15 s instead of 3 min, and the verification polls every 250 ms instead of 2 s.
 */
export const DEMO_TIMINGS: Record<string, string> = {
  CNI_DOCTOR_AGENT_READY_TIMEOUT_MS: "15000",
  CNI_DOCTOR_POD_READY_TIMEOUT_MS: "30000",
  CNI_DOCTOR_STEP_TIMEOUT_MS: "20000",
  CNI_DOCTOR_POLL_INTERVAL_MS: "250",
};

/** A kubelet that has backed off: after the node is fixed, stuck pods stay stuck until they are recreated. */
export const SANDBOX_RETRY_MS = 10 * 60_000;

export interface DemoWorld {
  sim: RunningSimulatedCluster;
  slack: FakeSlack;
  bot: RunningCniDoctorBot;
  /** The admin's view of the cluster, as kubectl has it. */
  admin: KubeRest;
  /** How many manifests were applied, by kind. */
  applied: string[];
  /** Every authorization decision the API server took on the bot's requests. */
  botDecisions: AuthorizationRecord[];
  logLines: string[];
  botEnv: Record<string, string>;
  /** What the bot's /readyz answered before the story started (200: ready). */
  readyz: number;
  /** Every credential that must never appear in output, Slack traffic or logs. */
  secrets(): string[];
  stop(): Promise<void>;
}

/** KEY=VALUE lines, as kustomize's configMapGenerator reads an env file. */
function readEnvFile(path: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const raw of readFileSync(path, "utf8").split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const at = line.indexOf("=");
    if (at > 0) env[line.slice(0, at)] = line.slice(at + 1);
  }
  return env;
}

function pemBodyLines(pem: string): string[] {
  return pem.split("\n").filter((l) => l.length >= 40 && !l.startsWith("-----"));
}

/** Undo steps, run newest first; each is allowed to fail so the rest still run. */
type Cleanup = (() => Promise<unknown>)[];

/** How the demo's bot reaches nodes: agent pods, as deployed by default, or SSH with a nodes file. */
export type DemoNodeAccess = "kubernetes" | "ssh";

export async function startDemoWorld(
  scenario: string,
  nodeAccess: DemoNodeAccess = "kubernetes",
  options: { proactive?: boolean } = {},
): Promise<DemoWorld> {
  const cleanup: Cleanup = [];
  const undo = async () => {
    for (const step of cleanup.reverse()) await step().catch(() => undefined);
  };
  try {
    const sim = await startSimulatedCluster({
      scenario,
      port: 0,
      rbac: true,
      sandboxRetryMs: SANDBOX_RETRY_MS,
      // Nodes are SSH servers only for the SSH story; with agent pods there is no sshd and no key anywhere.
      sshNodes: nodeAccess === "ssh",
    });
    cleanup.push(() => sim.stop());
    const dir = await mkdtemp(join(tmpdir(), "cni-doctor-demo-"));
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    const identity = await installBotIdentity(sim, dir, cleanup);

    const secrets = freshSlackCredentials();
    const slack = await startFakeSlack({
      ...secrets,
      users: Object.values(PEOPLE),
      usergroups: { [ONCALL_GROUP]: [PEOPLE.alice.id, PEOPLE.bob.id] },
      channels: [{ id: CHANNEL, name: `incident-${scenario.split(":")[0]}` }],
    });
    cleanup.push(() => slack.stop());

    const botEnv = {
      ...demoBotEnv(slack, secrets, nodeAccess, identity.nodes?.nodesFile),
      // The proactive story: the bot watches the cluster and opens the incident thread itself, 2 s after a burst.
      ...(options.proactive
        ? { CNI_DOCTOR_INCIDENT_CHANNEL: CHANNEL, CNI_DOCTOR_INCIDENT_DEBOUNCE_SECONDS: "2" }
        : {}),
    };
    const logLines: string[] = [];
    const bot = await startBot(slack, botEnv, identity.kubeconfigPath, logLines, cleanup);
    const readyz = await waitForReadyz(bot);

    return {
      sim,
      slack,
      bot,
      admin: identity.admin,
      applied: identity.applied,
      botDecisions: identity.botDecisions,
      logLines,
      botEnv,
      readyz,
      secrets: () => [
        secrets.botToken,
        secrets.appToken,
        secrets.signingSecret,
        sim.adminToken,
        identity.token,
        // Any line of the SSH client key's body is as secret as the whole key.
        ...(identity.nodes ? pemBodyLines(readFileSync(identity.nodes.privateKeyFile, "utf8")) : []),
      ],
      stop: undo,
    };
  } catch (err) {
    await undo();
    throw err;
  }
}

/**
 * `kubectl apply -k manifests/`, the parts that make the bot's identity (Namespace, ServiceAccount, RBAC), then the
 * bot's credentials as its pod gets them: a projected ServiceAccount token, and the Secret's SSH key and known_hosts
 * (written beside the nodes file).
 */
async function installBotIdentity(sim: RunningSimulatedCluster, dir: string, cleanup: Cleanup) {
  const admin = kubeRest(sim.url, sim.caPem, sim.adminToken);
  const objects = identityManifests();
  await applyManifests(admin, objects);
  const botDecisions: AuthorizationRecord[] = [];
  const unsubscribe = sim.onAuthorization((r) => {
    if (r.attributes.user.username === BOT_USER) botDecisions.push(r);
  });
  cleanup.push(async () => unsubscribe());

  const token = await sim.requestServiceAccountToken(BOT_NAMESPACE, "cni-doctor");
  const kubeconfigPath = join(dir, "kubeconfig");
  await writeFile(kubeconfigPath, sim.kubeconfig({ user: "cni-doctor", token }), { mode: 0o600 });
  const nodes = sim.ssh ? await sim.writeNodesOut(join(dir, "nodes.yaml")) : null;
  return { admin, applied: objects.map((o) => o.kind), botDecisions, token, kubeconfigPath, nodes };
}

/** The bot's environment: the deployment's policy, the demo's timings and approvers, and the local Slack. */
function demoBotEnv(
  slack: FakeSlack,
  secrets: { botToken: string; appToken: string },
  nodeAccess: DemoNodeAccess,
  nodesFile: string | undefined,
): Record<string, string> {
  const policy = readEnvFile(join(MANIFESTS_DIR, "config/policy.env"));
  delete policy.CNI_DOCTOR_NODES_FILE;
  return {
    ...policy,
    ...DEMO_TIMINGS,
    CNI_DOCTOR_APPROVERS: ONCALL_GROUP,
    CNI_DOCTOR_NODE_ACCESS: nodeAccess,
    ...(nodesFile ? { CNI_DOCTOR_NODES_FILE: nodesFile } : {}),
    SLACK_BOT_TOKEN: secrets.botToken,
    SLACK_APP_TOKEN: secrets.appToken,
    SLACK_API_URL: slack.apiUrl,
    // /healthz, /readyz and /metrics on any free port of 127.0.0.1, not the deployment's 3000 on every interface.
    PORT: "0",
    HOST: "127.0.0.1",
  };
}

/** The real bot, as `cni-doctor serve` starts it, with its log lines kept for the checks. */
async function startBot(
  slack: FakeSlack,
  botEnv: Record<string, string>,
  kubeconfigPath: string,
  logLines: string[],
  cleanup: Cleanup,
): Promise<RunningCniDoctorBot> {
  const bot = await startCniDoctorBot({
    config: loadConfig(botEnv),
    slack: loadSlackSettings(botEnv),
    env: botEnv,
    kubeconfigPath,
    logDestination: new Writable({
      write(chunk, _enc, done) {
        logLines.push(...String(chunk).split("\n").filter(Boolean));
        done();
      },
    }),
  });
  cleanup.push(async () => {
    await bot.stop(5_000);
    // Bolt's stop sends Socket Mode's close frame and returns; let the close handshake finish before the local
    // Slack goes away, or the client keeps a 30 s handshake timer that holds the process open.
    for (let i = 0; i < 40 && slack.socket.connections > 0; i++) await new Promise((r) => setTimeout(r, 50));
  });
  await slack.socket.waitForConnections(1);
  return bot;
}

/** As a kubelet's readiness probe would: the Slack connection is up and the API server has answered. */
async function waitForReadyz(bot: RunningCniDoctorBot): Promise<number> {
  let readyz = 0;
  for (let i = 0; i < 50 && readyz !== 200; i++) {
    readyz = await fetch(`${bot.opsUrl}/readyz`).then(
      (r) => r.status,
      () => 0,
    );
    if (readyz !== 200) await new Promise((r) => setTimeout(r, 100));
  }
  return readyz;
}
