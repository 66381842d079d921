import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { mkdir } from "node:fs/promises";
import { dirname, join } from "node:path";

export const DEFAULT_CNI_CONF_DIR = "/etc/cni/net.d";
/** Where calico/node records the node's name once it has started (hostPath /var/lib/calico). */
export const CALICO_NODENAME_FILE = "/var/lib/calico/nodename";

/** The file extensions containerd's CNI loader considers (libcni ConfFiles). */
const CNI_CONFIG_EXTENSIONS = [".conf", ".conflist", ".json"];

/**
 * One node's root filesystem, as far as the simulation needs it: a real directory tree under the simulation's temp
 * root (`<root>/nodes/<node>/...`) so that later steps can inspect and change it over SSH exactly as on a real host.
 */
export class NodeFilesystem {
  readonly node: string;
  /** Host directory standing for the node's "/". */
  readonly root: string;
  /** Absolute path on the node of the CNI conf dir the container runtime reads, e.g. /etc/cni/net.d. */
  readonly confDir: string;

  constructor(simulationRoot: string, node: string, confDir = DEFAULT_CNI_CONF_DIR) {
    this.node = node;
    this.root = join(simulationRoot, "nodes", node);
    this.confDir = confDir;
  }

  /** Creates the node's directory skeleton. Asynchronous so that a thousand nodes are made in parallel. */
  async prepare(): Promise<void> {
    const dirs = [this.confDir, "/opt/cni/bin", "/var/lib/calico"].map((d) => this.hostPath(d));
    await Promise.all(dirs.map((d) => mkdir(d, { recursive: true })));
    for (const d of dirs) this.madeDirs.add(d);
  }

  private readonly madeDirs = new Set<string>();

  private ensureDir(hostDir: string): void {
    if (this.madeDirs.has(hostDir)) return;
    mkdirSync(hostDir, { recursive: true });
    this.madeDirs.add(hostDir);
  }

  /** The host path of a path on the node. */
  hostPath(nodePath: string): string {
    return join(this.root, nodePath);
  }

  confPath(fileName: string): string {
    return join(this.confDir, fileName);
  }

  /**
   * Writes a file on the node; `modifiedAt` sets its mtime, as files that have lain there a while would have.
   * `mode` applies only when the file is created, exactly like Go's os.WriteFile (open with O_CREAT|O_TRUNC): an
   * existing file keeps its mode. `chmod: true` then forces the mode, as install-cni does for the conflist
   * (projectcalico/calico cni-plugin/pkg/install/install.go: "WriteFile does not change existing file's permissions").
   */
  write(
    nodePath: string,
    content: string,
    options: { mode?: number; chmod?: boolean; modifiedAt?: Date } = {},
  ): void {
    const host = this.hostPath(nodePath);
    this.ensureDir(dirname(host));
    const mode = options.mode ?? 0o644;
    writeFileSync(host, content, { mode });
    if (options.chmod) chmodSync(host, mode);
    if (options.modifiedAt) utimesSync(host, options.modifiedAt, options.modifiedAt);
  }

  /** Permission bits of a file on the node, or undefined when it does not exist. */
  mode(nodePath: string): number | undefined {
    try {
      return statSync(this.hostPath(nodePath)).mode & 0o7777;
    } catch {
      return undefined;
    }
  }

  read(nodePath: string): string | undefined {
    try {
      return readFileSync(this.hostPath(nodePath), "utf8");
    } catch {
      return undefined;
    }
  }

  exists(nodePath: string): boolean {
    return existsSync(this.hostPath(nodePath));
  }

  remove(nodePath: string): void {
    rmSync(this.hostPath(nodePath), { force: true });
  }

  modifiedAt(nodePath: string): Date | undefined {
    try {
      return statSync(this.hostPath(nodePath)).mtime;
    } catch {
      return undefined;
    }
  }

  /**
   * The network config file the runtime would load: the lexicographically first `.conf`/`.conflist`/`.json` file in
   * the conf dir (containerd loads one). Undefined when there is none.
   */
  firstCniConfig(): { name: string; path: string; content: string } | undefined {
    let names: string[];
    try {
      names = readdirSync(this.hostPath(this.confDir));
    } catch {
      return undefined;
    }
    const candidates = names
      .filter((n) => CNI_CONFIG_EXTENSIONS.some((ext) => n.endsWith(ext)))
      .filter((n) => {
        try {
          return statSync(this.hostPath(this.confPath(n))).isFile();
        } catch {
          return false;
        }
      })
      .sort();
    const name = candidates[0];
    if (name === undefined) return undefined;
    const content = this.read(this.confPath(name));
    if (content === undefined) return undefined;
    return { name, path: this.confPath(name), content };
  }
}
