// What a CLI command module is: its usage line, its flags and a run function returning the exit code. Its name
// and one-line summary live in the registry (commands/index.ts), which lists them without loading the module.
import { type FlagSpecs, formatFlags } from "./flags.ts";

export type Command = {
  usage: string;
  flags: FlagSpecs;
  run(argv: string[]): Promise<number>;
};

export function commandHelp(summary: string, cmd: Command): string {
  return `usage: bun run cli ${cmd.usage}\n\n${summary}\n\nflags:\n${formatFlags(cmd.flags)}\n  --help  show this help\n`;
}
