// The one atomic file writer: whole files and streams land complete or not at all, a failure names the file
// and leaves neither a temp file nor a changed destination, a download's part file can be kept and
// continued, and short writes (a disk filling up, simulated with a file-size limit) are never published.
import { describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AtomicWriteError, openAtomicFile, writeFileAtomic } from "../src/io/atomic-file.ts";

const dir = () => mkdtempSync(join(tmpdir(), "atomic-"));
const bytes = (s: string) => new TextEncoder().encode(s);

describe("writeFileAtomic", () => {
  test("writes and replaces a file, leaving no temp file", () => {
    const d = dir();
    const path = join(d, "a.txt");
    writeFileAtomic(path, bytes("first"));
    writeFileAtomic(path, bytes("second"));
    expect(readFileSync(path, "utf8")).toBe("second");
    expect(readdirSync(d)).toEqual(["a.txt"]);
  });

  test("a failure throws an AtomicWriteError naming the file and removes the temp file", () => {
    const d = dir();
    const path = join(d, "taken");
    mkdirSync(path); // renaming a file over a folder fails after the bytes are written
    let error: unknown;
    try {
      writeFileAtomic(path, bytes("x"));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(AtomicWriteError);
    expect((error as Error).message).toStartWith(`cannot write ${path}: `);
    expect(readdirSync(d)).toEqual(["taken"]);
    expect(() => writeFileAtomic(join(d, "missing", "a.txt"), bytes("x"))).toThrow(
      new RegExp(`cannot write ${join(d, "missing", "a.txt")}: .*ENOENT`),
    );
  });
});

describe("openAtomicFile", () => {
  test("streams chunks, patches a header in place and publishes on commit", () => {
    const d = dir();
    const path = join(d, "s.bin");
    const f = openAtomicFile(path);
    f.write(bytes("....body"));
    expect(existsSync(path)).toBe(false);
    f.writeAt(bytes("HEAD"), 0);
    f.commit();
    expect(readFileSync(path, "utf8")).toBe("HEADbody");
    expect(readdirSync(d)).toEqual(["s.bin"]);
  });

  test("abort leaves the old file untouched and removes the temp file; it is safe to call twice", () => {
    const d = dir();
    const path = join(d, "s.bin");
    writeFileSync(path, "old");
    const f = openAtomicFile(path);
    f.write(bytes("new"));
    f.abort();
    f.abort();
    expect(readFileSync(path, "utf8")).toBe("old");
    expect(readdirSync(d)).toEqual(["s.bin"]);
    expect(() => f.write(bytes("late"))).toThrow(/already closed/);
  });

  test("keep leaves a named temp file that a later open continues (a resumed download)", () => {
    const d = dir();
    const path = join(d, "data.txt");
    const tempPath = `${path}.part`;
    const first = openAtomicFile(path, { tempPath });
    first.write(bytes("abc"));
    first.keep();
    expect(readFileSync(tempPath, "utf8")).toBe("abc");
    const second = openAtomicFile(path, { tempPath, append: true });
    second.write(bytes("def"));
    second.commit();
    expect(readFileSync(path, "utf8")).toBe("abcdef");
    expect(existsSync(tempPath)).toBe(false);
  });
});

describe("a full disk", () => {
  test("short writes are never published: the writer fails, names the file, keeps the old one", () => {
    const d = dir();
    const child = join(import.meta.dir, "support", "file-size-limit-child.ts");
    // ulimit -f counts 1024-byte blocks: 4 KiB, less than either write.
    const p = Bun.spawnSync(["bash", "-c", `ulimit -f 4 && exec "${process.execPath}" "${child}" "${d}"`]);
    expect(p.exitCode).toBe(0);
    const r = JSON.parse(p.stdout.toString());
    for (const [error, name] of [
      [r.whole, "old.bin"],
      [r.npy, "old.npy"],
    ]) {
      expect(error).toMatchObject({ name: "AtomicWriteError", code: "EFBIG" });
      expect(error.message).toStartWith(`cannot write ${join(d, name)}: `);
    }
    expect(r.contents).toEqual({ "old.bin": "old", "old.npy": "old" });
    expect(r.files).toEqual(["old.bin", "old.npy"]);
  });
});
