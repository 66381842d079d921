/**
 * Read-only node access is a type and a run-time check: diagnosis is given a NodeReader, whose `run` does not accept
 * a command that changes the node, and readOnlyView (which diagnoseCluster puts around whatever it is given) refuses
 * one before anything is sent. `npm run typecheck` checks the `@ts-expect-error` lines: if a write template ever
 * type-checks where a reader is expected, the directive itself becomes the error.
 */
import { describe, expect, it } from "vitest";
import type { DiagnoseOptions } from "../../src/diagnosis/index.ts";
import {
  type CommandTemplate,
  listDirectory,
  makeBackupDirectory,
  moveIntoDirectory,
  type NodeReader,
  type NodeTarget,
  type NodeWriter,
  readOnlyView,
} from "../../src/nodes/index.ts";
import { rejection } from "../support/node-commands.ts";

const WITHIN = ["/etc/cni/net.d"];

/** A writer that records what it was asked to run and answers an empty listing. */
function recordingWriter(): NodeWriter & { ran: string[] } {
  const ran: string[] = [];
  return {
    ran,
    target: (nodeName) => ({ nodeName, sudo: false, cniConfDir: WITHIN[0] }) as NodeTarget,
    commandLine: (_node, _ip, template) => template.argv.join(" "),
    run: async <T>(_node: string, _ip: string | undefined, template: CommandTemplate<T>): Promise<T> => {
      ran.push(template.name);
      return { status: "ok", directory: WITHIN[0], entries: [] } as T;
    },
    close: async () => {},
  };
}

describe("NodeReader", () => {
  it("does not type-check a command that changes the node, on the diagnosis path or anywhere a reader is taken", () => {
    const reader: NodeReader = readOnlyView(recordingWriter());
    const diagnosisNodes = reader as NonNullable<DiagnoseOptions["nodeReader"]>;
    const typeOnly = () => {
      // @ts-expect-error a NodeReader runs read-only commands only
      void reader.run("worker1", undefined, makeBackupDirectory("/etc/cni/net.d/backup", { within: WITHIN }));
      const moveAside = moveIntoDirectory(["/etc/cni/net.d/a"], "/etc/cni/net.d/b", { within: WITHIN });
      // @ts-expect-error the reader diagnoseCluster accepts is the same read-only type
      void diagnosisNodes.run("worker1", undefined, moveAside);
      // A NodeWriter runs both kinds.
      const writer: NodeWriter = recordingWriter();
      void writer.run("worker1", undefined, makeBackupDirectory("/etc/cni/net.d/backup", { within: WITHIN }));
    };
    expect(typeof typeOnly).toBe("function");
  });

  it("refuses a command that changes the node at run time, before anything is sent, even when it wraps a writer", async () => {
    const writer = recordingWriter();
    const reader = readOnlyView(writer);
    const smuggled = makeBackupDirectory("/etc/cni/net.d/backup", {
      within: WITHIN,
    }) as unknown as Parameters<NodeReader["run"]>[2];
    const err = await rejection(reader.run("worker1", undefined, smuggled));
    expect(err.kind).toBe("write-refused");
    expect(err.message).toContain("make-backup-directory");
    expect(err.message).toContain("worker1");
    expect(writer.ran).toEqual([]);
  });

  it("passes read-only commands through to the access it wraps", async () => {
    const writer = recordingWriter();
    const listing = await readOnlyView(writer).run(
      "worker1",
      undefined,
      listDirectory(WITHIN[0] as string, { within: WITHIN }),
    );
    expect(listing.status).toBe("ok");
    expect(writer.ran).toEqual(["list-directory"]);
  });
});
