// Data that must never be committed (the TinyStories heads): read from ../shared beside the checkout when it
// exists, else from .cache/ where the test preload (tests/fetch-fixtures.ts) put fetched copies; else the
// test that needs it skips. The package's own copy of tests/shared-data.ts's lookup (packages never import tests/).
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";

const REPO_ROOT = resolve(import.meta.dir, "..", "..", "..", "..");

/** Absolute path of a file under ../shared (e.g. "data/tinystories_v1_train_head_2MiB.txt") or its fetched copy. */
export function sharedFile(rel: string): string | null {
  for (const dir of [resolve(REPO_ROOT, "../shared"), join(REPO_ROOT, ".cache")]) {
    const p = join(dir, rel);
    if (existsSync(p)) return p;
  }
  return null;
}
