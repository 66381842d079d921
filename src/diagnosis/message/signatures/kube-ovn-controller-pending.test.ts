import { describe, expect, it } from "vitest";
import { catalogFor } from "../../../../test/diagnosis/message/catalog/by-signature.ts";
import { classifyMessage } from "../classify-message.ts";

// The real messages are in test/diagnosis/message/catalog/kube-ovn.ts, each with its source.
describe("kube-ovn-controller-pending", () => {
  const cases = catalogFor("kube-ovn-controller-pending");

  it("has real messages in the catalog", () => expect(cases.length).toBeGreaterThanOrEqual(2));

  it.each(cases)("%s", (_source, entry) => {
    const result = classifyMessage(entry.message);
    expect(result).toMatchObject({
      family: "cni-agent-not-running",
      cni: "kube-ovn",
      phase: entry.phase,
    });
    expect(result.details.wrappedBy).toBe(entry.wrappedBy);
  });
});
