import { type ConfigurationOptions, Observable, type ObservableMiddleware } from "@kubernetes/client-node";

/**
 * Per-request options that abort the call after `ms`. client-node applies no timeout of its own, so without this a
 * hung API server would hang the diagnosis. (The object-parameter APIs run observable middleware.)
 */
export function withTimeout(ms: number): ConfigurationOptions {
  const timeout: ObservableMiddleware = {
    pre: (context) => {
      context.setSignal(AbortSignal.timeout(ms));
      return new Observable(Promise.resolve(context));
    },
    post: (response) => new Observable(Promise.resolve(response)),
  };
  return { middleware: [timeout], middlewareMergeStrategy: "append" };
}
