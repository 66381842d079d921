import {
  type ConfigurationOptions,
  Observable,
  type ObservableMiddleware,
  type RequestContext,
} from "@kubernetes/client-node";

/**
 * One connection pool for every request a client makes. client-node 2 builds a new undici Agent for each request
 * (KubeConfig.applySecurityAuthentication), so each call paid a fresh TCP connection, TLS handshake and secure
 * context: a diagnosis of a large cluster made ~90 of them, node inspection one per TokenReview. The agent holds only
 * the TLS settings of the kubeconfig's cluster and user (the Authorization header is set per request), so the first
 * request's agent can serve all the others with keep-alive.
 */
export interface SharedConnections {
  adopt(context: RequestContext): void;
}

export function sharedConnections(): SharedConnections {
  let shared: ReturnType<RequestContext["getDispatcher"]>;
  return {
    adopt(context) {
      const fresh = context.getDispatcher();
      if (fresh === undefined) return;
      if (shared === undefined) shared = fresh;
      else if (fresh !== shared) context.setDispatcher(shared);
    },
  };
}

/**
 * Per-request options that abort the call after `ms`. client-node applies no timeout of its own, so without this a
 * hung API server would hang the diagnosis. (The object-parameter APIs run observable middleware, after the
 * kubeconfig's authentication has been applied, so `connections` can swap in the shared agent here.)
 */
export function withTimeout(ms: number, connections?: SharedConnections): ConfigurationOptions {
  const timeout: ObservableMiddleware = {
    pre: (context) => {
      context.setSignal(AbortSignal.timeout(ms));
      connections?.adopt(context);
      return new Observable(Promise.resolve(context));
    },
    post: (response) => new Observable(Promise.resolve(response)),
  };
  return { middleware: [timeout], middlewareMergeStrategy: "append" };
}
