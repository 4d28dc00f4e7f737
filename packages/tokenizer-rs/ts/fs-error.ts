// Words for file-system errors: "file not found", "is a directory", "permission denied" instead of Node's
// raw codes (ENOENT, EISDIR, EACCES), so a message about an unreadable file says what to fix. Codes
// without a plain wording fall back to Node's own message.
import { readFileSync, type Stats, statSync } from "node:fs";
import { TokenizerError } from "./errors.ts";

/** "file not found", "is a directory", … for an error thrown by node:fs. */
export function fsErrorWords(e: unknown): string {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case "ENOENT":
      return "file not found";
    case "EISDIR":
      return "is a directory; give a file";
    case "ENOTDIR":
      return "a folder on the path is a file";
    case "EACCES":
    case "EPERM":
      return "permission denied";
    case "EMFILE":
    case "ENFILE":
      return "too many open files";
    default:
      return e instanceof Error ? e.message : String(e);
  }
}

/** Reads a whole file; an error says `cannot read <what> <path>: <words>`. */
export function readFileOrExplain(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new Error(`cannot read ${what} ${path}: ${fsErrorWords(e)}`);
  }
}

/**
 * The stat of the input file at `path`, for `reader` (encodeFile, trainBpe), which reads it by byte ranges:
 * missing, unreadable, a folder, or not a regular file (a pipe, device or socket stats as 0 bytes and would
 * read as empty) is a TokenizerError "input" worded `cannot read <label> <path>: …`.
 */
export function inputFileStat(path: string, label: string, reader: string): Stats {
  let st: Stats;
  try {
    st = statSync(path);
  } catch (e) {
    throw new TokenizerError(`cannot read ${label} ${path}: ${fsErrorWords(e)}`, "input");
  }
  if (st.isDirectory()) throw new TokenizerError(`cannot read ${label} ${path}: is a directory; give a file`, "input");
  if (!st.isFile()) {
    throw new TokenizerError(
      `cannot read ${label} ${path}: not a regular file (a pipe, device or socket); ${reader} reads its input ` +
        "by byte ranges, so save the text to a file and give that path",
      "input",
    );
  }
  return st;
}
