// The test preload (bunfig.toml): when ../shared/fixtures/cs336 is absent (a clone outside the team's machines),
// fetch CS336's tokenizer fixtures from the public assignment repository at a pinned commit into .cache/,
// checking each file's SHA-256. Offline, it gives up after a short timeout and the tests that need the files
// skip. Not exported from the package: only the preload runs it.
import { existsSync, mkdirSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { CACHE_DIR, SHARED_DIR } from "./shared-data.ts";

const COMMIT = "25a8a49f6460c83a30416d42348f2ef11d1dd185";
const BASE = `https://raw.githubusercontent.com/stanford-cs336/assignment1-basics/${COMMIT}/tests/fixtures`;
const FILES: Record<string, string> = {
  "corpus.en": "617f603a49eeb8a20de9d922d11a5d70e1d362327b9e91718bea2cdcdf9816ff",
  "german.txt": "372a3b9d896f2774e83721ea5d9aedc77a65ea31d7dfd77c4dbc6ee5eac50c28",
  "gpt2_merges.txt": "ac33235097fe06d4a8fff0feac994644809e6eb6ab70669e1e9fd40ae032428e",
  "gpt2_vocab.json": "196139668be63f3b5d6574427317ae82f612a97c5d1cdaf36ed2256dbf636783",
  "tinystories_sample.txt": "defaedb58bf28079f3e29c6142cb7f3568d331a577e0911c5d7925c465c50c43",
  "train-bpe-reference-merges.txt": "f74582742501ca5edd5be2b66adb83d7ae2b8d6363fd276771792e70de1428ed",
  "train-bpe-reference-vocab.json": "e28bfb2a4fa95ec786faf462cb0d504bc15773360f4891bdf262be171ab86c18",
  "address.txt": "fc1f209025d3181137b8953cfeb559ab186782d48b93182eac2b6401816c1df4",
};

async function fetchAll(): Promise<void> {
  const dir = join(CACHE_DIR, "fixtures/cs336");
  const missing = Object.keys(FILES).filter((f) => !existsSync(join(dir, f)));
  if (missing.length === 0) return;
  mkdirSync(dir, { recursive: true });
  for (const name of missing) {
    try {
      const res = await fetch(`${BASE}/${name}`, { signal: AbortSignal.timeout(5000) });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      const bytes = new Uint8Array(await res.arrayBuffer());
      const hash = new Bun.CryptoHasher("sha256").update(bytes).digest("hex");
      if (hash !== FILES[name]) throw new Error(`checksum mismatch (${hash})`);
      writeFileSync(join(dir, `${name}.tmp`), bytes);
      renameSync(join(dir, `${name}.tmp`), join(dir, name));
    } catch (e) {
      console.warn(`note: could not fetch CS336 fixture ${name} (${(e as Error).message}); tests that need it skip`);
      return; // offline: don't wait on every file
    }
  }
}

if (!existsSync(join(SHARED_DIR, "fixtures/cs336"))) await fetchAll();
