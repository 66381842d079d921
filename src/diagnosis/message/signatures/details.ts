/** Detail extractors several signatures share, so each signature file stays a declaration. */
import type { ClassificationDetails } from "../classification.ts";
import { extractApiServer, extractRbacDenial } from "../runtime-wrapping.ts";
import type { MessageFacts } from "./signature.ts";

/** The API server the plugin tried to reach, when its error names one. */
export function apiServerDetails({ scope }: MessageFacts): ClassificationDetails {
  const apiServer = extractApiServer(scope);
  return apiServer ? { apiServer } : {};
}

/** Who was denied what, plus the API server, for HTTP 403 messages. */
export function rbacDenialDetails(facts: MessageFacts): ClassificationDetails {
  return { ...extractRbacDenial(facts.scopeText, facts.scope), ...apiServerDetails(facts) };
}
