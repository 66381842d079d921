import type { CommandResult, CommandTemplate, NodeAccessError } from "../../src/nodes/index.ts";

/** A test-only template: the raw result of any argv. The product uses only the catalogue in src/nodes/commands.ts. */
export function raw(...argv: [string, ...string[]]): CommandTemplate<CommandResult> {
  return { name: "test-raw", argv, changesNode: false, interpret: (result) => result };
}

/** The NodeAccessError a call rejects with; fails the test if it resolves. */
export async function rejection(promise: Promise<unknown>): Promise<NodeAccessError> {
  try {
    await promise;
  } catch (err) {
    return err as NodeAccessError;
  }
  throw new Error("expected a rejection");
}
