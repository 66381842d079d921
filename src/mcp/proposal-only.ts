/**
 * What the MCP server hands the RemediationService: enough to propose a run and nothing to carry one out. The service
 * type asks for a NodeWriter, a ClusterWriter and a PodWatcher because the same object also approves and runs; here
 * each is a wrapper that passes through only what a proposal uses (rendering command lines, reading nodes and the
 * journal, creating the run's ConfigMap) and refuses everything else before a byte is sent, saying why. A refusal is
 * also reported to `onRefused`, so a test (or a log) can prove none was ever attempted.
 */
import type { PodWatcher } from "../kube/wait.ts";
import type { ClusterWriter } from "../kube/writer.ts";
import {
  type CommandTemplate,
  NodeAccessError,
  type NodeReader,
  type NodeWriter,
  type ReadOnlyCommand,
  readOnlyView,
} from "../nodes/index.ts";

/** Told the name of every write the MCP process refused (it should be never). */
export type RefusalListener = (what: string) => void;

const WHY =
  "cni-doctor mcp only diagnoses and proposes; approve the run at a terminal or in Slack to carry it out";

/**
 * A NodeWriter in type only: command lines render as the reader renders them (so the plan shows what an approved
 * run would send), read-only commands go to the reader, and a command that changes a node is refused unsent.
 */
export function proposalNodeAccess(reader: NodeReader, onRefused: RefusalListener): NodeWriter {
  const view = readOnlyView(reader);
  return {
    target: (nodeName, internalIP) => view.target(nodeName, internalIP),
    commandLine: (nodeName, internalIP, template) => view.commandLine(nodeName, internalIP, template),
    run: <T>(nodeName: string, internalIP: string | undefined, template: CommandTemplate<T>): Promise<T> => {
      if (template.changesNode !== false) {
        onRefused(`node command ${template.name} on ${nodeName}`);
        return Promise.reject(
          new NodeAccessError("write-refused", `\`${template.name}\` changes the node; ${WHY}.`, {
            node: nodeName,
          }),
        );
      }
      return view.run(nodeName, internalIP, template as ReadOnlyCommand<T>);
    },
    close: () => view.close(),
  };
}

/** A ClusterWriter that reads the journal and creates run ConfigMaps in `namespace`; every other write is refused. */
export function journalOnlyWriter(
  writer: ClusterWriter,
  namespace: string,
  onRefused: RefusalListener,
): ClusterWriter {
  const refuse = (what: string): Promise<never> => {
    onRefused(what);
    return Promise.reject(new Error(`${what} refused: ${WHY}.`));
  };
  return {
    namespaceExists: (ns) => writer.namespaceExists(ns),
    listConfigMaps: (ns, selector) => writer.listConfigMaps(ns, selector),
    getConfigMap: (ns, name) => writer.getConfigMap(ns, name),
    getLease: (ns, name) => writer.getLease(ns, name),
    createConfigMap: (ns, body) =>
      ns === namespace ? writer.createConfigMap(ns, body) : refuse(`create configmap in ${ns}`),
    replaceConfigMap: (ns, body) => refuse(`update configmap ${ns}/${body.metadata?.name}`),
    deletePod: (ns, name) => refuse(`delete pod ${ns}/${name}`),
    createNodeEvent: (input) => refuse(`create event on node ${input.node.name}`),
    createLease: (ns) => refuse(`create lease in ${ns}`),
    replaceLease: (ns, body) => refuse(`update lease ${ns}/${body.metadata?.name}`),
  };
}

/** Waiting on pods is what a run does after it changed them; a proposal never does. */
export function noPodWaiting(onRefused: RefusalListener): PodWatcher {
  return {
    waitForPods: () => {
      onRefused("wait for pods");
      return Promise.reject(new Error(`waiting for pods refused: ${WHY}.`));
    },
  };
}
