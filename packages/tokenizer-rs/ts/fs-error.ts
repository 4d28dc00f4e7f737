// Words for file-system errors: "file not found", "is a directory", "permission denied" instead of Node's
// raw codes (ENOENT, EISDIR, EACCES), so a message about an unreadable file says what to fix. Codes
// without a plain wording fall back to Node's own message.
import { readFileSync } from "node:fs";

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
