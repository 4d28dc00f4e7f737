// Packs a staged folder into the parts the GPU calls carry: FILES.sha256 (every file of the folder) is written
// into it, the folder goes into one xz-compressed tar, the tar is cut into parts of at most `partBytes`, and
// each call folder (call-1 … call-N) gets one part plus SHA256SUMS (every part and the whole archive) and
// the kit manifest. scripts/gpu/stash-part.sh and reassemble.sh undo it with coreutils alone (xz, or python3's
// lzma where xz is missing): the GPU machine has neither bun nor network.
import { createHash } from "node:crypto";
import { closeSync, mkdirSync, openSync, readdirSync, readSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";

export const ARCHIVE = "kit.tar.xz";
export const partName = (i: number) => `${ARCHIVE}.part${String(i).padStart(2, "0")}`;

/** SHA-256 of a file, read in 8 MiB blocks (the CUDA provider library alone is 272 MB). */
export function sha256File(path: string): string {
  const h = createHash("sha256");
  const buf = new Uint8Array(8 << 20);
  const fd = openSync(path, "r");
  try {
    for (let n = readSync(fd, buf); n > 0; n = readSync(fd, buf)) h.update(buf.subarray(0, n));
  } finally {
    closeSync(fd);
  }
  return h.digest("hex");
}

/** Regular files under `dir` (symbolic links are not followed: tar keeps them as links), sorted. */
export function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) out.push(relative(dir, p));
    }
  };
  walk(dir);
  return out.sort();
}

function sh(cmd: string[], what: string): void {
  const p = Bun.spawnSync(cmd, { stdout: "inherit", stderr: "pipe" });
  if (p.exitCode !== 0) throw new Error(`${what} failed (exit ${p.exitCode}): ${p.stderr.toString().slice(-500)}`);
}

export type PackOptions = {
  /** largest part; each GPU call carries one, and the whole call is limited to 64 MiB with the repository */
  partBytes: number;
  /** xz preset, e.g. "-9e" (the kit) or "-1" (tests) */
  level: string;
  /** written into every call folder as kit.json */
  manifest: Record<string, unknown>;
};

export type PackResult = { parts: { name: string; bytes: number; sha256: string }[]; archiveBytes: number };

/** Packs `stage` into `out`/call-1 … call-N (any earlier call-* folders and archive in `out` are removed). */
export function packKit(stage: string, out: string, opts: PackOptions): PackResult {
  const files = listFiles(stage).filter((f) => f !== "FILES.sha256");
  writeFileSync(join(stage, "FILES.sha256"), files.map((f) => `${sha256File(join(stage, f))}  ${f}\n`).join(""));
  mkdirSync(out, { recursive: true });
  for (const e of readdirSync(out))
    if (e.startsWith("call-") || e === ARCHIVE) rmSync(join(out, e), { recursive: true });
  const archive = join(out, ARCHIVE);
  // -T2: two cores here; multi-block .xz still decodes with one thread (and with python's lzma).
  sh(
    ["bash", "-c", `set -o pipefail; tar -C "$1" -cf - . | xz ${opts.level} -T2 -c > "$2"`, "pack", stage, archive],
    "tar | xz",
  );
  const archiveBytes = statSync(archive).size;
  const count = Math.max(1, Math.ceil(archiveBytes / opts.partBytes));
  const parts: PackResult["parts"] = [];
  const fd = openSync(archive, "r");
  try {
    for (let i = 0; i < count; i++) {
      const bytes = Math.min(opts.partBytes, archiveBytes - i * opts.partBytes);
      const buf = new Uint8Array(bytes);
      let got = 0;
      while (got < bytes) got += readSync(fd, buf, got, bytes - got, i * opts.partBytes + got);
      const dir = join(out, `call-${i + 1}`);
      mkdirSync(dir);
      writeFileSync(join(dir, partName(i)), buf);
      parts.push({ name: partName(i), bytes, sha256: createHash("sha256").update(buf).digest("hex") });
    }
  } finally {
    closeSync(fd);
  }
  const sums = [...parts.map((p) => `${p.sha256}  ${p.name}\n`), `${sha256File(archive)}  ${ARCHIVE}\n`].join("");
  const manifest = { ...opts.manifest, parts: parts.length, archiveBytes, partBytes: opts.partBytes };
  for (let i = 1; i <= count; i++) {
    writeFileSync(join(out, `call-${i}`, "SHA256SUMS"), sums);
    writeFileSync(join(out, `call-${i}`, "kit.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  }
  return { parts, archiveBytes };
}
