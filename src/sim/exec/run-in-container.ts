/**
 * Runs an exec'd command in a simulated container: argv as the runtime gets it (no shell), the program looked up among
 * the simulated node programs (GNU coreutils/findutils), against the container's filesystem: its hostPath volumes on
 * the node's disk, read-only or not as mounted.
 */
import { mkdir } from "node:fs/promises";
import { join, posix } from "node:path";
import { lookUpProgram } from "../ssh/programs/index.ts";
import { OutputBuffer } from "../ssh/programs/program.ts";
import { ContainerFilesystem, type ContainerMount, type FileAccessRights } from "./container-filesystem.ts";
import type { ExecResult, ExecTarget } from "./exec-stream.ts";

export interface ContainerHost {
  /** The host directory that is this node's `/`. */
  nodeRoot(node: string): string;
  /** A directory of the simulation's own, for containers' root filesystems. */
  scratchRoot: string;
  /** The node's clock, ns since the epoch. */
  nowNs(node: string): bigint;
}

interface VolumeMount {
  name: string;
  mountPath: string;
  readOnly?: boolean;
  subPath?: string;
}

interface SecurityContext {
  runAsUser?: number;
  privileged?: boolean;
  readOnlyRootFilesystem?: boolean;
  capabilities?: { add?: string[]; drop?: string[] };
}

export async function runInContainer(
  host: ContainerHost,
  target: ExecTarget,
  signal: AbortSignal,
): Promise<ExecResult> {
  const [program, ...args] = target.command;
  const found = program === undefined ? undefined : lookUpProgram(program);
  if (!found) {
    // containerd's text for an executable that is not in the image.
    return {
      kind: "not-started",
      message: `failed to exec in container: failed to start exec: OCI runtime exec failed: exec failed: unable to start container process: exec: "${program}": executable file not found in $PATH: unknown`,
    };
  }
  const fs = await containerFilesystem(host, target);
  const stdout = new OutputBuffer();
  const stderr = new OutputBuffer();
  const node = target.pod.spec.nodeName as string;
  let exitCode: number;
  try {
    exitCode = await found.program(args, { fs, nowNs: () => host.nowNs(node), stdout, stderr, signal });
  } catch (err) {
    stderr.write(`${found.name}: simulated container error: ${(err as Error).message}\n`);
    exitCode = 1;
  }
  return { kind: "exited", stdout: stdout.toBuffer(), stderr: stderr.toBuffer(), exitCode };
}

/** The container's filesystem from its pod's hostPath volumes and its volumeMounts. */
async function containerFilesystem(host: ContainerHost, target: ExecTarget): Promise<ContainerFilesystem> {
  const pod = target.pod;
  const spec = pod.spec;
  const container = (spec.containers ?? []).find((c: { name: string }) => c.name === target.container);
  const security: SecurityContext = {
    ...(spec.securityContext ?? {}),
    ...(container?.securityContext ?? {}),
  };
  const rootDirectory = join(host.scratchRoot, "containers", pod.metadata.uid, target.container);
  await mkdir(rootDirectory, { recursive: true });
  const nodeRoot = host.nodeRoot(spec.nodeName);
  const mounts: ContainerMount[] = [];
  for (const m of (container?.volumeMounts ?? []) as VolumeMount[]) {
    const volume = (spec.volumes ?? []).find((v: { name: string }) => v.name === m.name);
    const mountPath = posix.normalize(posix.join("/", m.mountPath));
    // The mount point exists in the container's root filesystem, as the runtime creates it.
    await mkdir(join(rootDirectory, mountPath), { recursive: true });
    let hostDirectory: string;
    if (volume?.hostPath?.path) {
      hostDirectory = join(nodeRoot, posix.normalize(posix.join("/", volume.hostPath.path, m.subPath ?? "")));
      // kubelet creates a missing hostPath directory for type DirectoryOrCreate and for the unchecked default "".
      if (
        volume.hostPath.type === undefined ||
        volume.hostPath.type === "" ||
        volume.hostPath.type === "DirectoryOrCreate"
      )
        await mkdir(hostDirectory, { recursive: true, mode: 0o755 });
    } else {
      // emptyDir and the rest: a directory of the pod's own.
      hostDirectory = join(host.scratchRoot, "volumes", pod.metadata.uid, m.name);
      await mkdir(hostDirectory, { recursive: true });
    }
    mounts.push({ mountPath, hostDirectory, readOnly: m.readOnly === true });
  }
  const rootfs: ContainerMount = {
    mountPath: "/",
    hostDirectory: rootDirectory,
    readOnly: security.readOnlyRootFilesystem === true,
  };
  return new ContainerFilesystem(rootfs, mounts, accessRights(security));
}

/**
 * Who the process is, for permission checks. The runtime's default capability set includes CAP_DAC_OVERRIDE
 * (containerd's oci.defaultUnixCaps); dropping ALL or DAC_OVERRIDE without adding it back leaves root the owner bits.
 */
export function accessRights(security: SecurityContext): FileAccessRights {
  if ((security.runAsUser ?? 0) !== 0) return "other";
  if (security.privileged) return "dac-override";
  const drop = (security.capabilities?.drop ?? []).map((c) => c.toUpperCase().replace(/^CAP_/, ""));
  const add = (security.capabilities?.add ?? []).map((c) => c.toUpperCase().replace(/^CAP_/, ""));
  const dropped = drop.includes("ALL") || drop.includes("DAC_OVERRIDE");
  return dropped && !add.includes("DAC_OVERRIDE") ? "owner" : "dac-override";
}
