// Reading a run's append-only JSON-lines logs (metrics.jsonl, samples.jsonl). Records are appended whole
// (io/atomic-file.ts openAppendFile), so only a crash mid-append can leave a bad line, and only as the last
// one: that line is skipped. A bad line anywhere else was put there by something else, and is an error that
// says which line, since silently dropping it would rewrite the log without it on the next resume.

import { existsSync, readFileSync } from "node:fs";

/** The parsed lines of `path` ([] when it does not exist); a torn last line is skipped. */
export function readJsonl(path: string): unknown[] {
  if (!existsSync(path)) return [];
  const lines = readFileSync(path, "utf8").split("\n");
  const out: unknown[] = [];
  lines.forEach((line, i) => {
    if (line.trim() === "") return;
    try {
      out.push(JSON.parse(line));
    } catch (e) {
      if (i < lines.length - 2 || (i === lines.length - 2 && lines[i + 1] !== "")) {
        throw new Error(
          `${path}:${i + 1}: not a JSON line (${(e as Error).message}); repair or delete that line (the ` +
            "checkpoints do not depend on it)",
        );
      }
    }
  });
  return out;
}
