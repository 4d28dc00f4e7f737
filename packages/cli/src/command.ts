// What a CLI command is: a name, one line of help, its flags and a run function returning the exit code.
import { type FlagSpecs, formatFlags } from "./flags.ts";

export type Command = {
  name: string;
  summary: string;
  usage: string;
  flags: FlagSpecs;
  run(argv: string[]): Promise<number>;
};

export function commandHelp(cmd: Command): string {
  return `usage: bun run cli ${cmd.usage}\n\n${cmd.summary}\n\nflags:\n${formatFlags(cmd.flags)}\n  --help  show this help\n`;
}
