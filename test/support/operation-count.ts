/**
 * Counts the string and regular-expression operations a synchronous call performs, as a measure of its work that does
 * not depend on the machine or its load (tests never assert wall-clock times). Every String.prototype and
 * RegExp.prototype method is wrapped for the duration of the call; a quadratic loop of `indexOf`, `slice` or
 * `charCodeAt` shows up as a count that grows with the square of the input.
 *
 * What it cannot see is the work inside one native call (one regex match or one `indexOf`); the code under test keeps
 * those linear by construction (bounded quantifiers, no nested ones) and the count bounds how many there are.
 */
const STRING_METHODS = Object.getOwnPropertyNames(String.prototype).filter(
  (name) =>
    name !== "constructor" &&
    typeof (String.prototype as unknown as Record<string, unknown>)[name] === "function",
);
const REGEXP_METHODS = ["exec", "test"] as const;
const REGEXP_SYMBOLS = [Symbol.replace, Symbol.split, Symbol.match, Symbol.matchAll, Symbol.search] as const;

export function countOperations<T>(call: () => T): { result: T; operations: number } {
  let operations = 0;
  const restore: Array<() => void> = [];
  const wrap = (target: object, key: string | symbol) => {
    const original = (target as Record<string | symbol, unknown>)[key];
    if (typeof original !== "function") return;
    const descriptor = Object.getOwnPropertyDescriptor(target, key);
    Object.defineProperty(target, key, {
      ...descriptor,
      value: function (this: unknown, ...args: unknown[]) {
        operations++;
        return (original as (...a: unknown[]) => unknown).apply(this, args);
      },
    });
    restore.push(() => Object.defineProperty(target, key, descriptor as PropertyDescriptor));
  };
  for (const name of STRING_METHODS) wrap(String.prototype, name);
  for (const name of REGEXP_METHODS) wrap(RegExp.prototype, name);
  for (const symbol of REGEXP_SYMBOLS) wrap(RegExp.prototype, symbol);
  try {
    const result = call();
    return { result, operations };
  } finally {
    for (const undo of restore.reverse()) undo();
  }
}
