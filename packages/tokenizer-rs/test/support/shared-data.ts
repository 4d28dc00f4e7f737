// Data that must never be committed (CS336's tokenizer fixtures, the corpora): read from ../shared beside
// the checkout when it exists, else from .cache/ where the test preload (tests/fetch-fixtures.ts) put
// fetched copies; else the test that needs it skips. The package's own copy of tests/shared-data.ts's
// lookup and skip message (package tests never import the root tests/ folder).
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";

const REPO_ROOT = resolve(import.meta.dir, "..", "..", "..", "..");

/** Absolute path of a file under ../shared (e.g. "fixtures/cs336/corpus.en") or its fetched copy, or null. */
export function sharedFile(rel: string): string | null {
  for (const dir of [resolve(REPO_ROOT, "../shared"), join(REPO_ROOT, ".cache")]) {
    const p = join(dir, rel);
    if (existsSync(p)) return p;
  }
  return null;
}

/** The skip reason a test prints when `sharedFile(rel)` is null. */
export function missingMessage(rel: string): string {
  return `skipped: ${rel} is not in ../shared and could not be fetched (offline?). Put CS336's fixtures in ../shared/fixtures/cs336 or run online once`;
}
