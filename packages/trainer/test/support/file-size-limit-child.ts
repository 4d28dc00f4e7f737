// Child process for the atomic writer's full-disk test: run under `ulimit -f` (bash), so the kernel accepts
// a write only up to the size limit (a short write) and refuses the next one (EFBIG), as a full disk does.
// argv: FOLDER. Prints one JSON line: each writer's error (or null) and the files left in FOLDER.
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createNpyWriter } from "../../src/data/npy.ts";
import { writeFileAtomic } from "../../src/io/atomic-file.ts";

// The limit also raises SIGXFSZ, which would kill the process before the error reaches the writer.
process.on("SIGXFSZ", () => {});
const dir = process.argv[2] as string;
const attempt = (write: () => void) => {
  try {
    write();
    return null;
  } catch (e) {
    return { name: (e as Error).name, code: (e as { code?: string }).code, message: (e as Error).message };
  }
};
writeFileSync(join(dir, "old.bin"), "old");
writeFileSync(join(dir, "old.npy"), "old");
const whole = attempt(() => writeFileAtomic(join(dir, "old.bin"), new Uint8Array(20_000).fill(7)));
const npy = attempt(() => {
  const w = createNpyWriter(join(dir, "old.npy"), "uint16");
  // One write larger than the limit: the kernel takes part of it and reports how much.
  w.write(new Uint16Array(10_000).fill(3));
  w.close();
});
const contents = Object.fromEntries(["old.bin", "old.npy"].map((n) => [n, readFileSync(join(dir, n), "utf8")]));
process.stdout.write(`${JSON.stringify({ whole, npy, files: readdirSync(dir).sort(), contents })}\n`);
