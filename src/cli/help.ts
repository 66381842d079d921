import type { CommandSpec } from "./command.ts";

export function globalHelp(commands: readonly CommandSpec[]): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  const lines = commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return [
    "cni-doctor: finds why pods are stuck on CNI sandbox errors, and fixes it behind an approval.",
    "",
    "Usage: cni-doctor <command> [options]",
    "",
    "Commands:",
    ...lines,
    "",
    "Run 'cni-doctor <command> --help' for a command's options.",
    "",
  ].join("\n");
}

export function commandHelp(command: CommandSpec): string {
  const optionLines = Object.entries(command.options).map(([name, o]) => {
    const flag = `${o.short ? `-${o.short}, ` : ""}--${name}${o.type === "string" ? ` ${o.valueName ?? "VALUE"}` : ""}`;
    return { flag, description: o.description };
  });
  optionLines.push({ flag: "-h, --help", description: "Show this help." });
  const width = Math.max(...optionLines.map((o) => o.flag.length));
  return [
    `Usage: cni-doctor ${command.name}${command.positionals ? ` ${command.positionals}` : ""} [options]`,
    "",
    command.summary,
    ...(command.details ? ["", command.details.trimEnd()] : []),
    "",
    "Options:",
    ...optionLines.map((o) => `  ${o.flag.padEnd(width)}  ${o.description}`),
    "",
  ].join("\n");
}
