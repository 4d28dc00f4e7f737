// Where tests find data that must never be committed (CS336 fixtures, corpora): ../shared when present.
// A test that needs such a file calls `sharedFile` and skips with the returned reason when it is absent.
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";

const SHARED = resolve(import.meta.dir, "../../shared");

/** Absolute path of a file under ../shared (e.g. "fixtures/cs336/corpus.en"), or null when absent. */
export function sharedFile(rel: string): string | null {
  const p = join(SHARED, rel);
  return existsSync(p) ? p : null;
}

export function missingMessage(rel: string): string {
  return `skipped: ${rel} not found under ../shared; place the CS336 fixtures/corpora there (see tests/README.md)`;
}
