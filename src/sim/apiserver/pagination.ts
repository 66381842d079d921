import type { KubeObject } from "../objects.ts";
import type { ResourceDef } from "../resources.ts";
import { lowerBound, type ObjectStore } from "../store.ts";
import { exactName, type FieldSelector, matchesFields } from "./fields.ts";
import { type LabelSelector, matchesLabels } from "./labels.ts";
import { errors } from "./status.ts";

/**
 * Paged listing in the store's key order, with continue tokens shaped like the real ones
 * (k8s.io/apiserver/pkg/storage.EncodeContinue: base64url JSON {v, rv, start}).
 */
interface ContinueToken {
  v: string;
  rv: number;
  start: string;
}

const TOKEN_VERSION = "meta.k8s.io/v1";

export function encodeContinue(relativeKey: string, resourceVersion: number): string {
  const token: ContinueToken = { v: TOKEN_VERSION, rv: resourceVersion, start: `${relativeKey}\u0000` };
  return Buffer.from(JSON.stringify(token)).toString("base64url");
}

export function decodeContinue(value: string): { start: string; rv: number } {
  const invalid = (why: string) =>
    errors.badRequest(`invalid continue token: continue key is not valid: ${why}`);
  if (!/^[A-Za-z0-9_-]*$/.test(value)) throw invalid("illegal base64 data");
  let token: Partial<ContinueToken>;
  try {
    token = JSON.parse(Buffer.from(value, "base64url").toString("utf8")) as Partial<ContinueToken>;
  } catch (e) {
    throw invalid((e as Error).message);
  }
  if (token === null || typeof token !== "object") throw invalid("unrecognized type");
  if (token.v !== TOKEN_VERSION)
    throw invalid(`server does not recognize this encoded version "${String(token.v ?? "")}"`);
  if (typeof token.rv !== "number" || token.rv === 0) {
    throw invalid("incorrect encoded start resourceVersion (version meta.k8s.io/v1)");
  }
  if (typeof token.start !== "string" || token.start.length === 0) {
    throw invalid("encoded start key empty (version meta.k8s.io/v1)");
  }
  return { start: token.start, rv: token.rv };
}

export const CONTINUE_TOO_OLD =
  "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.";

export interface ListQuery {
  def: ResourceDef;
  namespace: string | undefined;
  labels: LabelSelector;
  fields: FieldSelector;
  limit: number;
  continueToken: string | undefined;
  /** Set by fault injection: treat the continue token as expired. */
  forceContinueExpired?: boolean;
}

export interface ListPage {
  items: KubeObject[];
  resourceVersion: number;
  continueToken?: string;
  remainingItemCount?: number;
}

/** The store-key prefix a list covers: one namespace, every namespace, or the cluster scope. */
function keyPrefix(def: ResourceDef, namespace: string | undefined): string {
  if (!def.namespaced) return "/";
  return namespace === undefined ? "" : `${namespace}/`;
}

export function listPage(store: ObjectStore, q: ListQuery): ListPage {
  const prefix = keyPrefix(q.def, q.namespace);
  let resourceVersion = store.resourceVersion;
  let startKey = prefix;
  if (q.continueToken !== undefined) {
    const token = decodeContinue(q.continueToken);
    if (q.forceContinueExpired || (token.rv !== -1 && token.rv < store.oldestResumableVersion - 1)) {
      // The real server hands back a token for the rest of the list at the latest version (rv -1).
      const fresh = Buffer.from(JSON.stringify({ v: TOKEN_VERSION, rv: -1, start: token.start })).toString(
        "base64url",
      );
      throw errors.expired(CONTINUE_TOO_OLD, fresh);
    }
    // The simulator keeps no snapshots, so later pages show the current state at the first page's version.
    if (token.rv !== -1) resourceVersion = token.rv;
    startKey = prefix + token.start;
  }
  const filtering = q.labels.length > 0 || q.fields.length > 0;
  const matches = (obj: KubeObject) =>
    (q.labels.length === 0 || matchesLabels(q.labels, obj.metadata.labels)) &&
    (q.fields.length === 0 || matchesFields(q.fields, obj));

  // A selector on metadata.name (kubectl's wait and watch by name) is a point lookup, not a scan.
  const name = exactName(q.fields);
  if (name !== undefined && (q.namespace !== undefined || !q.def.namespaced)) {
    const key = `${q.namespace ?? ""}/${name}`;
    const obj = key >= startKey ? store.getByKey(q.def.plural, key) : undefined;
    return { items: obj && matches(obj) ? [obj] : [], resourceVersion };
  }

  const keys = store.keysInOrder(q.def.plural);
  const items: KubeObject[] = [];
  let i = lowerBound(keys, startKey);
  let lastKey: string | undefined;
  for (; i < keys.length; i++) {
    const key = keys[i] as string;
    if (!key.startsWith(prefix)) break;
    if (q.limit > 0 && items.length >= q.limit) break;
    const obj = store.getByKey(q.def.plural, key) as KubeObject;
    if (matches(obj)) {
      items.push(obj);
      lastKey = key;
    }
  }
  const page: ListPage = { items, resourceVersion };
  const more = i < keys.length && (keys[i] as string).startsWith(prefix);
  if (q.limit > 0 && more && lastKey !== undefined) {
    page.continueToken = encodeContinue(lastKey.slice(prefix.length), resourceVersion);
    if (!filtering) {
      // Count what is left in range; a second binary search finds where the prefix ends.
      const end =
        prefix === ""
          ? keys.length
          : lowerBound(
              keys,
              `${prefix.slice(0, -1)}${String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1)}`,
            );
      page.remainingItemCount = end - i;
    }
  }
  return page;
}
