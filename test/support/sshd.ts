/**
 * A real OpenSSH server for tests: `/usr/sbin/sshd -D -e -f <tmp config>` on a free 127.0.0.1 port, with its own
 * generated host keys and an authorized_keys file for a generated client key. Tests log in as the non-root users that
 * test/support/provision-ssh-host.sh creates. Stopped (and its temp dir removed) by stop().
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const SSHD_PATH = "/usr/sbin/sshd";
/** Passwordless sudo (NOPASSWD:ALL). */
export const TEST_USER = "cnidoctor";
/** sudo wants a password. */
export const TEST_USER_SUDO_WITH_PASSWORD = "cnidoctor-pw";

export type HostKeyType = "ed25519" | "ecdsa" | "rsa";

function hasCommand(name: string): boolean {
  try {
    execFileSync("sh", ["-c", `command -v ${name}`], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

function userExists(name: string): boolean {
  try {
    execFileSync("id", [name], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** Why the real-sshd tests cannot run here, or undefined when they can. */
export function sshdUnavailableReason(): string | undefined {
  const fix = "run `sudo bash test/support/provision-ssh-host.sh` to set this machine up";
  if (!existsSync(SSHD_PATH)) return `${SSHD_PATH} is missing; ${fix}`;
  if (process.getuid?.() !== 0) return "sshd tests must run as root (sshd switches to the test user)";
  for (const tool of ["ssh-keygen", "ssh-keyscan", "ssh-agent", "ssh-add", "sudo"]) {
    if (!hasCommand(tool)) return `${tool} is missing; ${fix}`;
  }
  for (const user of [TEST_USER, TEST_USER_SUDO_WITH_PASSWORD]) {
    if (!userExists(user)) return `user ${user} is missing; ${fix}`;
  }
  return undefined;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address !== null
          ? resolve(address.port)
          : reject(new Error("no port")),
      );
    });
  });
}

/** Generates an unencrypted (or passphrase-protected) OpenSSH key pair; returns the private key path. */
export function generateKey(path: string, type: HostKeyType = "ed25519", passphrase = ""): string {
  execFileSync("ssh-keygen", ["-q", "-t", type, "-N", passphrase, "-C", "cni-doctor-test", "-f", path], {
    stdio: "ignore",
  });
  return path;
}

/** `ssh-keygen -lf` fingerprint of a public key file: "SHA256:...". */
export function fingerprintOf(publicKeyPath: string): string {
  const out = execFileSync("ssh-keygen", ["-lf", publicKeyPath], { encoding: "utf8" });
  const fp = out.split(/\s+/)[1];
  if (fp === undefined || !fp.startsWith("SHA256:"))
    throw new Error(`unexpected ssh-keygen -lf output: ${out}`);
  return fp;
}

export interface SshdOptions {
  hostKeyTypes?: HostKeyType[];
  allowTcpForwarding?: boolean;
  /** Extra public keys (OpenSSH one-line format) to authorise besides the fixture's client key. */
  extraAuthorizedKeys?: string[];
}

export interface Sshd {
  host: "127.0.0.1";
  port: number;
  /** Temp dir holding config, keys and authorized_keys; readable by the test users. */
  dir: string;
  /** The client key authorised for every test user. */
  clientKeyPath: string;
  hostKeyPublicPath(type: HostKeyType): string;
  /** A known_hosts line for this server's key of `type`: "[127.0.0.1]:PORT ssh-ed25519 AAAA...". */
  knownHostsLine(type?: HostKeyType): string;
  /** Everything sshd wrote to stderr (it logs with -e). */
  log(): string;
  /** SIGKILLs every session process (descendants of the listener), dropping all connections. Returns how many. */
  killSessions(): number;
  /** Pids of descendants of the listener whose command line contains `needle`. */
  findSessionProcesses(needle: string): number[];
  stop(): Promise<void>;
}

function childrenByParent(): Map<number, number[]> {
  const map = new Map<number, number[]>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      // The command name may contain spaces and parentheses; fields after the last ')' are fixed.
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      const list = map.get(ppid) ?? [];
      list.push(Number(entry));
      map.set(ppid, list);
    } catch {
      // The process exited while we looked.
    }
  }
  return map;
}

function descendants(pid: number): number[] {
  const tree = childrenByParent();
  const out: number[] = [];
  const stack = [...(tree.get(pid) ?? [])];
  while (stack.length > 0) {
    const next = stack.pop() as number;
    out.push(next);
    stack.push(...(tree.get(next) ?? []));
  }
  return out;
}

export async function startSshd(options: SshdOptions = {}): Promise<Sshd> {
  const hostKeyTypes = options.hostKeyTypes ?? ["ed25519"];
  const dir = mkdtempSync(join(tmpdir(), "cni-doctor-sshd-"));
  // sshd reads authorized_keys as the logged-in user.
  chmodSync(dir, 0o755);
  // The privilege-separation directory lives in /run, which a reboot empties.
  mkdirSync("/run/sshd", { recursive: true, mode: 0o755 });

  const hostKeys = new Map<HostKeyType, string>();
  for (const type of hostKeyTypes) hostKeys.set(type, generateKey(join(dir, `ssh_host_${type}_key`), type));
  const clientKeyPath = generateKey(join(dir, "client_ed25519"));
  const authorizedKeys = join(dir, "authorized_keys");
  writeFileSync(
    authorizedKeys,
    [readFileSync(`${clientKeyPath}.pub`, "utf8").trim(), ...(options.extraAuthorizedKeys ?? [])].join("\n") +
      "\n",
    { mode: 0o644 },
  );

  const port = await freePort();
  const config = join(dir, "sshd_config");
  writeFileSync(
    config,
    [
      `Port ${port}`,
      "ListenAddress 127.0.0.1",
      ...[...hostKeys.values()].map((k) => `HostKey ${k}`),
      `PidFile ${join(dir, "sshd.pid")}`,
      "UsePAM no",
      "StrictModes no",
      `AuthorizedKeysFile ${authorizedKeys}`,
      "PubkeyAuthentication yes",
      "PasswordAuthentication no",
      "KbdInteractiveAuthentication no",
      "PermitRootLogin no",
      `AllowUsers ${TEST_USER} ${TEST_USER_SUDO_WITH_PASSWORD}`,
      `AllowTcpForwarding ${options.allowTcpForwarding ? "yes" : "no"}`,
      "MaxStartups 100",
      "LogLevel VERBOSE",
      "",
    ].join("\n"),
  );

  const child: ChildProcess = spawn(SSHD_PATH, ["-D", "-e", "-f", config], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr?.setEncoding("utf8");
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`sshd did not start listening:\n${stderr}`)), 15_000);
    child.stderr?.on("data", (chunk: string) => {
      stderr += chunk;
      if (stderr.includes(`Server listening on 127.0.0.1 port ${port}`)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`sshd exited with ${code} before listening:\n${stderr}`));
    });
  });

  const pid = child.pid as number;
  const publicPath = (type: HostKeyType) => {
    const path = hostKeys.get(type);
    if (path === undefined) throw new Error(`this sshd has no ${type} host key`);
    return `${path}.pub`;
  };
  return {
    host: "127.0.0.1",
    port,
    dir,
    clientKeyPath,
    hostKeyPublicPath: publicPath,
    knownHostsLine(type = hostKeyTypes[0] ?? "ed25519") {
      const [keyType, base64] = readFileSync(publicPath(type), "utf8").trim().split(/\s+/);
      return `[127.0.0.1]:${port} ${keyType} ${base64}`;
    },
    log: () => stderr,
    killSessions() {
      const pids = descendants(pid);
      for (const p of pids) {
        try {
          process.kill(p, "SIGKILL");
        } catch {
          // Already gone.
        }
      }
      return pids.length;
    },
    findSessionProcesses(needle) {
      return descendants(pid).filter((p) => {
        try {
          return readFileSync(`/proc/${p}/cmdline`, "utf8").replaceAll("\0", " ").includes(needle);
        } catch {
          return false;
        }
      });
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once("exit", resolve));
        for (const p of descendants(pid)) {
          try {
            process.kill(p, "SIGKILL");
          } catch {
            // Already gone.
          }
        }
        child.kill("SIGTERM");
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
