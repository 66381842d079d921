import { yieldToEventLoop } from "../shared/event-loop-turns.ts";
import { KubeAccessError, toKubeAccessError } from "./errors.ts";

export interface Page<T> {
  items: T[];
  metadata?: { _continue?: string; resourceVersion?: string };
}

/** A whole list and the resourceVersion it was read at (the first page's): a watch from there misses nothing. */
export interface VersionedList<T> {
  items: T[];
  resourceVersion: string | undefined;
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
  return (await listAllPagesAtVersion(fetchPage, options)).items;
}

export async function listAllPagesAtVersion<T>(
  fetchPage: (continueToken: string | undefined, limit: number) => Promise<Page<T>>,
  options: PaginateOptions,
): Promise<VersionedList<T>> {
  for (let attempt = 0; ; attempt++) {
    const items: T[] = [];
    let token: string | undefined;
    let resourceVersion: string | undefined;
    try {
      do {
        const page = await fetchPage(token, options.pageSize);
        // Later pages are served from the first page's snapshot, so its version stands for the whole list.
        resourceVersion ??= page.metadata?.resourceVersion;
        for (const item of page.items) items.push(item);
        if (items.length > options.maxItems) {
          throw new KubeAccessError(
            "invalid",
            options.operation,
            `more than ${options.maxItems} objects; narrow it with --namespace or --node`,
          );
        }
        token = page.metadata?._continue || undefined;
        // Each page is parsed in one turn; give the loop back between pages so a large list does not hold it.
        if (token) await yieldToEventLoop();
      } while (token);
      return { items, resourceVersion };
    } catch (err) {
      const failure = toKubeAccessError(err, options.operation);
      if (failure.failure === "gone" && token !== undefined && attempt === 0) continue;
      throw failure;
    }
  }
}
