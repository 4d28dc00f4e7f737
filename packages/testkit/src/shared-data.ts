// Data that must never be committed (CS336's tokenizer fixtures, the corpora): tests read it from ../shared
// beside the checkout when that folder exists, else from .cache/ where fetch-fixtures.ts (the test preload) put
// CS336's files fetched from their public repository at a pinned commit with checked hashes; else the test
// skips with `missingMessage`.
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";

export const REPO_ROOT = resolve(import.meta.dir, "../../..");
export const SHARED_DIR = resolve(REPO_ROOT, "../shared");
export const CACHE_DIR = join(REPO_ROOT, ".cache");

/**
 * Absolute path of a file under ../shared (e.g. "fixtures/cs336/corpus.en") or its fetched copy, or null.
 * `dirs` is where to look, in order (a test of the skip path passes folders that do not exist).
 */
export function sharedFile(rel: string, dirs: readonly string[] = [SHARED_DIR, CACHE_DIR]): string | null {
  for (const dir of dirs) {
    const p = join(dir, rel);
    if (existsSync(p)) return p;
  }
  return null;
}

/** The skip reason a test prints when `sharedFile(rel)` is null. */
export function missingMessage(rel: string): string {
  return `skipped: ${rel} is not in ../shared and could not be fetched (offline?). Put CS336's fixtures in ../shared/fixtures/cs336 or run online once`;
}
