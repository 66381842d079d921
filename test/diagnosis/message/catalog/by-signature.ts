import type { CatalogMessage } from "./catalog-message.ts";
import { CATALOG } from "./index.ts";

/** The catalog's messages one signature must claim, for the test beside that signature. */
export function catalogFor(signature: string): [source: string, entry: CatalogMessage][] {
  return CATALOG.filter((e) => e.signature === signature).map((e) => [e.source, e]);
}
