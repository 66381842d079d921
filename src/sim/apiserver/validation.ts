import type { ResourceDef } from "../resources.ts";
import { type ApiError, errors } from "./status.ts";

/** Object-name validation the real server applies at create (apimachinery validation.IsDNS1123Subdomain/Label). */
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

const SUBDOMAIN_MESSAGE =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const LABEL_MESSAGE =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";

/** Namespaces and services must be DNS labels; everything else here a DNS subdomain. */
const LABEL_NAMED = new Set(["namespaces", "services"]);

export function nameProblem(def: ResourceDef, name: string): ApiError | undefined {
  const asLabel = LABEL_NAMED.has(def.plural);
  const ok = asLabel
    ? name.length <= 63 && DNS1123_LABEL.test(name)
    : name.length <= 253 && DNS1123_SUBDOMAIN.test(name);
  if (ok) return undefined;
  return errors.invalid(def, name, [
    {
      field: "metadata.name",
      type: "Invalid value",
      detail: `"${name}": ${asLabel ? LABEL_MESSAGE : SUBDOMAIN_MESSAGE}`,
    },
  ]);
}
