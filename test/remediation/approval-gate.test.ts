/** The approval gate's pure rules: who may pull and release the kill switch, whatever the front end. */
import { describe, expect, it } from "vitest";
import { killSwitchRefusal } from "../../src/remediation/approval-gate.ts";

const approvers = ["U-ALICE", "cli:ops"];

describe("killSwitchRefusal", () => {
  it.each(["pause", "resume"] as const)("lets an approver %s from Slack or the terminal", (action) => {
    expect(killSwitchRefusal({ id: "U-ALICE", via: "slack" }, action, approvers)).toBeNull();
    expect(killSwitchRefusal({ id: "ops", via: "cli" }, action, approvers)).toBeNull();
  });

  it.each(["pause", "resume"] as const)(
    "refuses anyone else the same way on every front end (%s)",
    (action) => {
      for (const [by, key] of [
        [{ id: "U-MALLORY", via: "slack" as const }, "U-MALLORY"],
        [{ id: "someone", via: "cli" as const }, "cli:someone"],
      ] as const) {
        expect(killSwitchRefusal(by, action, approvers)).toBe(
          `${key} may not ${action} remediation: only approvers may ${action} it (CNI_DOCTOR_APPROVERS).`,
        );
      }
    },
  );
});
