/**
 * The wrappers the MCP server's RemediationService gets: what a proposal needs passes through, every write is refused
 * before it reaches the real writer, and each refusal is reported.
 */
import { describe, expect, it } from "vitest";
import type { ClusterWriter } from "../../src/kube/writer.ts";
import { journalOnlyWriter, noPodWaiting, proposalNodeAccess } from "../../src/mcp/proposal-only.ts";
import {
  type CommandTemplate,
  listDirectory,
  makeBackupDirectory,
  moveIntoDirectory,
  type NodeReader,
} from "../../src/nodes/index.ts";

function recordingReader(calls: string[]): NodeReader {
  return {
    target: (nodeName) => ({ nodeName, cniConfDir: "/etc/cni/net.d", sudo: false }),
    commandLine: (node, _ip, template) => `on ${node}: ${template.argv.join(" ")}`,
    run: async <T>(node: string, _ip: string | undefined, template: CommandTemplate<T>) => {
      calls.push(`${node}: ${template.name}`);
      return undefined as T;
    },
    close: async () => {},
  };
}

describe("proposalNodeAccess", () => {
  it("renders every command line and runs read-only commands, but refuses node-changing ones unsent", async () => {
    const calls: string[] = [];
    const refused: string[] = [];
    const nodes = proposalNodeAccess(recordingReader(calls), (what) => refused.push(what));
    const mkdir = makeBackupDirectory("/var/lib/cni-doctor/backup/x", {
      within: ["/var/lib/cni-doctor/backup"],
    });
    const mv = moveIntoDirectory(["/etc/cni/net.d/10-calico.conflist"], "/var/lib/cni-doctor/backup/x", {
      within: ["/etc/cni/net.d", "/var/lib/cni-doctor/backup"],
    });
    expect(nodes.commandLine("n1", undefined, mkdir)).toBe(`on n1: ${mkdir.argv.join(" ")}`);
    await nodes.run("n1", undefined, listDirectory("/etc/cni/net.d", { within: ["/etc/cni/net.d"] }));
    await expect(nodes.run("n1", undefined, mkdir)).rejects.toMatchObject({ kind: "write-refused" });
    await expect(nodes.run("n1", undefined, mv)).rejects.toThrow(/only diagnoses and proposes/);
    expect(calls).toEqual(["n1: list-directory"]);
    expect(refused).toEqual([
      "node command make-backup-directory on n1",
      "node command move-into-directory on n1",
    ]);
  });
});

describe("journalOnlyWriter", () => {
  const cm = { metadata: { name: "cni-doctor-run-x" } };
  function recordingWriter(calls: string[]): ClusterWriter {
    const record =
      (name: string) =>
      async (...args: unknown[]) => {
        calls.push(`${name} ${String(args[0])}`);
        return null as never;
      };
    return {
      deletePod: record("deletePod"),
      createNodeEvent: record("createNodeEvent"),
      namespaceExists: record("namespaceExists"),
      listConfigMaps: record("listConfigMaps"),
      getConfigMap: record("getConfigMap"),
      createConfigMap: record("createConfigMap"),
      replaceConfigMap: record("replaceConfigMap"),
      getLease: record("getLease"),
      createLease: record("createLease"),
      replaceLease: record("replaceLease"),
    };
  }

  it("reads the journal and creates run ConfigMaps in the bot's namespace only; every other write is refused", async () => {
    const calls: string[] = [];
    const refused: string[] = [];
    const w = journalOnlyWriter(recordingWriter(calls), "cni-doctor", (what) => refused.push(what));
    await w.namespaceExists("cni-doctor");
    await w.listConfigMaps("cni-doctor", "cni-doctor.io/kind=run");
    await w.getConfigMap("cni-doctor", "x");
    await w.getLease("cni-doctor", "l");
    await w.createConfigMap("cni-doctor", cm);
    await expect(w.createConfigMap("kube-system", cm)).rejects.toThrow(/refused/);
    await expect(w.replaceConfigMap("cni-doctor", cm)).rejects.toThrow(/refused/);
    await expect(w.deletePod("default", "p", "uid")).rejects.toThrow(/delete pod default\/p refused/);
    await expect(
      w.createNodeEvent({
        node: { name: "n1", uid: undefined },
        type: "Normal",
        reason: "r",
        action: "a",
        message: "m",
        runId: "x",
      }),
    ).rejects.toThrow(/refused/);
    await expect(w.createLease("cni-doctor", {})).rejects.toThrow(/refused/);
    await expect(w.replaceLease("cni-doctor", {})).rejects.toThrow(/refused/);
    await expect(noPodWaiting((what) => refused.push(what)).waitForPods({} as never)).rejects.toThrow(
      /refused/,
    );
    expect(calls).toEqual([
      "namespaceExists cni-doctor",
      "listConfigMaps cni-doctor",
      "getConfigMap cni-doctor",
      "getLease cni-doctor",
      "createConfigMap cni-doctor",
    ]);
    expect(refused).toEqual([
      "create configmap in kube-system",
      "update configmap cni-doctor/cni-doctor-run-x",
      "delete pod default/p",
      "create event on node n1",
      "create lease in cni-doctor",
      "update lease cni-doctor/undefined",
      "wait for pods",
    ]);
  });
});
