/**
 * The suite's real parts (the real kubectl, a real OpenSSH sshd and client, GNU coreutils) may be missing on a
 * developer's machine, and then their tests skip with the reason in their title. On CI (CI=true) a missing real part
 * is a failure, not a skip: the test file fails to load with the reason, so a green run always means they ran.
 * `.ci/run` also checks for them before the suite starts and fails any run that skipped a test without saying why.
 */
export function skipWithout(part: string, unavailableReason: string | undefined): boolean {
  if (unavailableReason === undefined) return false;
  if (process.env.CI === "true") {
    throw new Error(`${part} is required on CI and is not usable here: ${unavailableReason}`);
  }
  console.warn(`skipping ${part} tests: ${unavailableReason}`);
  return true;
}
