/**
 * POSIX shell quoting for the remote command line. OpenSSH hands the command string to the login user's shell
 * (`$SHELL -c "<string>"`), so every argument must reach the remote program unchanged whatever bytes it holds.
 *
 * Words made only of characters no POSIX shell treats specially are left bare (so plans show readable commands like
 * `find /etc/cni/net.d -mindepth 1`); everything else goes in single quotes, inside which a shell interprets nothing.
 * A single quote itself is written as `'\''` (close, escaped quote, reopen).
 */

/** Characters that are literal in every POSIX shell word, in any position (`~` and `#` only special at word start,
 * `=` only in assignments before the command name; we are conservative and leave out `~` `#`). */
const BARE_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** Quotes one argument. Throws on NUL, which no command line can carry (execve strings are NUL-terminated). */
export function shellQuote(word: string): string {
  if (word.includes("\0")) {
    throw new TypeError("shellQuote: an argument cannot contain a NUL byte");
  }
  if (BARE_WORD.test(word)) return word;
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/** Quotes each argument and joins them with spaces: the exact string sent as the SSH exec request. */
export function shellJoin(argv: readonly string[]): string {
  return argv.map(shellQuote).join(" ");
}
