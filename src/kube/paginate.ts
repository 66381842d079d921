import { KubeAccessError, toKubeAccessError } from "./errors.ts";

export interface Page<T> {
  items: T[];
  metadata?: { _continue?: string };
}

export interface PaginateOptions {
  /** Items per request; the API server streams large lists in pages of this size. */
  pageSize: number;
  /** Refuse lists larger than this rather than exhaust memory. */
  maxItems: number;
  /** For error messages, e.g. "list pods in all namespaces". */
  operation: string;
}

/**
 * Reads every page of a list. When a continue token expires mid-way (410), the list starts over once: a second
 * expiry is reported, never papered over with a partial list.
 */
export async function listAllPages<T>(
  fetchPage: (continueToken: string | undefined, limit: number) => Promise<Page<T>>,
  options: PaginateOptions,
): Promise<T[]> {
  for (let attempt = 0; ; attempt++) {
    const items: T[] = [];
    let token: string | undefined;
    try {
      do {
        const page = await fetchPage(token, options.pageSize);
        for (const item of page.items) items.push(item);
        if (items.length > options.maxItems) {
          throw new KubeAccessError(
            "invalid",
            options.operation,
            `more than ${options.maxItems} objects; narrow it with --namespace or --node`,
          );
        }
        token = page.metadata?._continue || undefined;
      } while (token);
      return items;
    } catch (err) {
      const failure = toKubeAccessError(err, options.operation);
      if (failure.failure === "gone" && token !== undefined && attempt === 0) continue;
      throw failure;
    }
  }
}
