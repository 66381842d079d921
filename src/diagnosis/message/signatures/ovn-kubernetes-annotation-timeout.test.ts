import { describe, expect, it } from "vitest";
import { catalogFor } from "../../../../test/diagnosis/message/catalog/by-signature.ts";
import { classifyMessage } from "../classify-message.ts";

// The real messages are in test/diagnosis/message/catalog/ovn-kubernetes.ts, each with its source.
describe("ovn-kubernetes-annotation-timeout", () => {
  const cases = catalogFor("ovn-kubernetes-annotation-timeout");

  it("has real messages in the catalog", () => expect(cases.length).toBeGreaterThanOrEqual(3));

  it.each(cases)("%s", (_source, entry) => {
    const result = classifyMessage(entry.message);
    expect(result).toMatchObject({
      family: "cni-agent-not-running",
      cni: "ovn-kubernetes",
      phase: entry.phase,
    });
    expect(result.details.wrappedBy).toBe(entry.wrappedBy);
  });
});
