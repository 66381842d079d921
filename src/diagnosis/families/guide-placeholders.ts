/**
 * Guides' commands carry `<placeholders>`; these are filled from what the classified message named (namespace, pod,
 * API server, service account ...), but only with values no shell would interpret.
 */
import type { ClassificationDetails } from "../message/classification.ts";

export function fillPlaceholders(command: string, details: ClassificationDetails): string {
  const [saNamespace, saName] = details.serviceAccount?.split("/") ?? [];
  const values: Record<string, string | undefined> = {
    "<namespace>": details.namespace,
    "<pod>": details.pod,
    "<api-server>": details.apiServer,
    "<forbidden-resource>": details.forbiddenResource,
    "<service-account-namespace>": saNamespace,
    "<service-account-name>": saName,
    "<plugin-search-path>": details.pluginSearchPath?.join(" "),
  };
  let filled = command;
  for (const [placeholder, value] of Object.entries(values)) {
    if (value && isShellInert(value)) filled = filled.split(placeholder).join(value);
  }
  return filled;
}

/**
 * The values come from an untrusted message and people paste these commands into a shell: only substitute text made
 * of characters no shell gives meaning to (names, addresses, paths); anything else keeps its placeholder.
 */
function isShellInert(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    const safe =
      (code >= 0x30 && code <= 0x39) ||
      (code >= 0x41 && code <= 0x5a) ||
      (code >= 0x61 && code <= 0x7a) ||
      "-_./:@[] ".includes(value[i] as string);
    if (!safe) return false;
  }
  return value.length <= 512;
}
