#!/usr/bin/env bun
// `bun run cli <command> [flags]`: dispatches to a command module; `help [command]` and `--version` answer
// here. Errors become one clear line and exit 2; DEBUG=1 adds the stack trace.
import pkg from "../package.json" with { type: "json" };
import { commandHelp } from "./command.ts";
import { commands } from "./commands/index.ts";
import { closest, UsageError, wantsHelp } from "./flags.ts";

function topHelp(): string {
  const width = Math.max(...commands.map((c) => c.name.length), 4) + 2;
  const rows = commands.map((c) => `  ${c.name.padEnd(width)}${c.summary}`).join("\n");
  return `usage: bun run cli <command> [flags]\n\ncommands:\n${rows}\n\nRun \`bun run cli help <command>\` (or \`<command> --help\`) for a command's flags; \`--version\` prints the version.\n`;
}

async function main(argv: string[]): Promise<number> {
  if (argv[0] === "--version" || argv[0] === "-v") {
    process.stdout.write(`cs336 ${pkg.version}\n`);
    return 0;
  }
  // `help train` is `train --help`.
  const [name, ...rest] = argv[0] === "help" && argv.length > 1 ? [argv[1]!, "--help"] : argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    process.stdout.write(topHelp());
    return name === undefined ? 2 : 0;
  }
  const entry = commands.find((c) => c.name === name);
  if (!entry) {
    const close = closest(
      name,
      commands.map((c) => c.name),
    );
    process.stderr.write(`error: unknown command "${name}"${close ? ` (did you mean ${close}?)` : ""}\n\n${topHelp()}`);
    return 2;
  }
  const cmd = await entry.load();
  if (wantsHelp(rest, cmd.flags)) {
    process.stdout.write(commandHelp(entry.summary, cmd));
    return 0;
  }
  try {
    return await cmd.run(rest);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`error: ${err.message}\n\n${commandHelp(entry.summary, cmd)}`);
      return 2;
    }
    const e = err instanceof Error ? err : new Error(String(err));
    process.stderr.write(`error: ${e.message}\n`);
    if (process.env.DEBUG) process.stderr.write(`${e.stack}\n`);
    return 2;
  }
}

process.exitCode = await main(process.argv.slice(2));
