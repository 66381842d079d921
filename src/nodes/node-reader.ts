/**
 * The two faces of node access. Diagnosis (and anything else that only looks) depends on NodeReader, whose `run`
 * accepts read-only commands only: a NodeChangingCommand does not type-check there, and `readOnlyView` refuses one at
 * run time too, for callers that reach it through a cast or plain JavaScript. Only an approved remediation run is
 * handed a NodeWriter.
 */
import type { CommandTemplate, ReadOnlyCommand } from "./commands.ts";
import { NodeAccessError } from "./errors.ts";

/** What every transport can say about a node (SSH's NodeTarget adds host, port, user...): plain data, no secrets. */
export interface NodeFacts {
  nodeName: string;
  cniConfDir: string;
  /** Whether commands run behind `sudo -n --` (SSH only; the Kubernetes agent runs as root). */
  sudo: boolean;
}

export interface NodeReader {
  /** The resolved target for a node: plain data, no secrets. */
  target(nodeName: string, internalIP: string | undefined): NodeFacts;
  /** The exact command line that `run` would send to this node, for plans shown to operators. */
  commandLine(nodeName: string, internalIP: string | undefined, template: CommandTemplate<unknown>): string;
  /** Runs one read-only command on a node and returns its interpreted result. Throws NodeAccessError. */
  run<T>(nodeName: string, internalIP: string | undefined, template: ReadOnlyCommand<T>): Promise<T>;
  /** Closes every connection. */
  close(): Promise<void>;
}

export interface NodeWriter extends NodeReader {
  /** Runs any command of the catalogue, including those that change the node. Throws NodeAccessError. */
  run<T>(nodeName: string, internalIP: string | undefined, template: CommandTemplate<T>): Promise<T>;
}

/**
 * A NodeReader that refuses, before anything is sent, every command whose template says it changes the node, whatever
 * object it wraps. Diagnosis wraps the access it is given in this, so a writer passed where a reader is expected still
 * cannot change a node.
 */
export function readOnlyView(nodes: NodeReader): NodeReader {
  return {
    target: (nodeName, internalIP) => nodes.target(nodeName, internalIP),
    commandLine: (nodeName, internalIP, template) => nodes.commandLine(nodeName, internalIP, template),
    run: (nodeName, internalIP, template) => {
      if ((template as CommandTemplate<unknown>).changesNode !== false) {
        return Promise.reject(
          new NodeAccessError(
            "write-refused",
            `\`${template.name}\` changes the node, and this node access is read-only; nothing was sent.`,
            { node: nodeName, hint: "Only an approved remediation run may change a node." },
          ),
        );
      }
      return nodes.run(nodeName, internalIP, template);
    },
    close: () => nodes.close(),
  };
}
