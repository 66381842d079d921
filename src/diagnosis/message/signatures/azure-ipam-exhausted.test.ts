import { describe, expect, it } from "vitest";
import { catalogFor } from "../../../../test/diagnosis/message/catalog/by-signature.ts";
import { classifyMessage } from "../classify-message.ts";

// The real messages are in test/diagnosis/message/catalog/azure.ts, each with its source.
describe("azure-ipam-exhausted", () => {
  const cases = catalogFor("azure-ipam-exhausted");

  it("has real messages in the catalog", () => expect(cases.length).toBeGreaterThanOrEqual(2));

  it.each(cases)("%s", (_source, entry) => {
    const result = classifyMessage(entry.message);
    expect(result).toMatchObject({ family: "ip-exhausted", cni: "azure", phase: entry.phase });
    expect(result.details.wrappedBy).toBe(entry.wrappedBy);
  });
});
