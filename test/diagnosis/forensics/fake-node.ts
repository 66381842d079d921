/**
 * A NodeWriter over an in-memory conf dir, for unit tests of the I/O layer. It answers the real command templates
 * with the output the real tools (find -printf, head -c, date) print, and lets the templates interpret it.
 */
import type { CommandResult, CommandTemplate, NodeWriter } from "../../../src/nodes/index.ts";
import { NodeAccessError } from "../../../src/nodes/index.ts";

export interface FakeFile {
  content: string;
  mtime: Date;
  owner?: string;
  mode?: number;
}

export interface FakeNode {
  confDir: string;
  files: Record<string, FakeFile>;
  /** Node clock minus ours, ms. */
  clockOffsetMs?: number;
  /**
   * The nodes file's `sudo` for this node (default true). Without it commands run as an ordinary user, and a file whose
   * "other" read bit is clear (Calico's 0600 root-owned files) is refused as coreutils refuses it:
   * `head: cannot open 'P' for reading: Permission denied`, exit 1.
   */
  sudo?: boolean;
  /** Every command fails with this NodeAccessError kind (e.g. "unreachable"). */
  failWith?: "unreachable" | "host-key-unknown";
}

export class FakeNodeWriter implements NodeWriter {
  readonly commands: string[] = [];
  readonly nodes: Record<string, FakeNode>;
  constructor(nodes: Record<string, FakeNode>) {
    this.nodes = nodes;
  }

  target(nodeName: string) {
    const node = this.nodes[nodeName];
    return {
      nodeName,
      cniConfDir: node?.confDir ?? "/etc/cni/net.d",
      sudo: node?.sudo ?? true,
    } as ReturnType<NodeWriter["target"]>;
  }

  commandLine(_node: string, _ip: string | undefined, template: CommandTemplate<unknown>): string {
    return template.argv.join(" ");
  }

  async run<T>(nodeName: string, _ip: string | undefined, template: CommandTemplate<T>): Promise<T> {
    const node = this.nodes[nodeName];
    this.commands.push(`${nodeName}: ${template.argv.join(" ")}`);
    if (!node) throw new NodeAccessError("unreachable", "no such fake node", { node: nodeName });
    if (node.failWith) {
      throw new NodeAccessError(node.failWith, "connect ECONNREFUSED 10.0.0.12:22", {
        node: nodeName,
        hint: "Check that sshd runs on the node and the port is open.",
      });
    }
    const started = Date.now();
    const result = (stdout: string, stderr = "", exitCode = 0): CommandResult => ({
      stdout: Buffer.from(stdout),
      stderr: Buffer.from(stderr),
      stdoutTruncated: false,
      stderrTruncated: false,
      exitCode,
      signal: null,
      startedAtMs: started,
      finishedAtMs: started + 2,
    });
    const [program, ...args] = template.argv;
    let r: CommandResult;
    if (program === "date") {
      const t = (started + 1 + (node.clockOffsetMs ?? 0)) / 1000;
      r = result(`${t.toFixed(9)}\n`);
    } else if (program === "find") {
      const dir = args[0];
      if (dir !== node.confDir) r = result("", `find: '${dir}': No such file or directory\n`, 1);
      else {
        r = result(
          Object.entries(node.files)
            .map(
              ([name, f]) =>
                `${name}\0${Buffer.byteLength(f.content)}\0${(f.mtime.getTime() / 1000).toFixed(10)}\0${f.owner ?? "root"}\0${f.owner ?? "root"}\0${(f.mode ?? 0o644).toString(8)}\0f\0`,
            )
            .join(""),
        );
      }
    } else if (program === "head") {
      const limit = Number(args[1]);
      const path = args[3] ?? "";
      const file = path.startsWith(`${node.confDir}/`)
        ? node.files[path.slice(node.confDir.length + 1)]
        : undefined;
      const asRoot = node.sudo ?? true;
      r = !file
        ? result("", `head: cannot open '${path}' for reading: No such file or directory\n`, 1)
        : !asRoot && ((file.mode ?? 0o644) & 0o004) === 0
          ? result("", `head: cannot open '${path}' for reading: Permission denied\n`, 1)
          : result(Buffer.from(file.content).subarray(0, limit).toString());
    } else {
      throw new Error(`the fake node does not know ${program}`);
    }
    return template.interpret(r, { node: nodeName, commandLine: template.argv.join(" ") });
  }

  async close(): Promise<void> {}
}
