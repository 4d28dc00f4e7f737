// @cs336-ts/testkit: what the root tests and the packages' tests share, so none keeps its own copy: where
// ../shared data and fetched CS336 fixtures are (and the skip message when they are not), the PyTorch reference
// fixtures and their error measure, the tiny training run that CLI tests spawn, and a small tmpfs for
// full-disk tests (root only; each test skips with a message otherwise). Private; tests only.
// The test preload that fetches the CS336 fixtures is src/fetch-fixtures.ts (bunfig.toml), not an export.

export { loadReference, REFERENCE_DIR, referenceTensor, referenceValues, relErr } from "./reference-fixtures.ts";
export { CACHE_DIR, missingMessage, REPO_ROOT, SHARED_DIR, sharedFile } from "./shared-data.ts";
export { TINY_MODEL, tinyRunFlags } from "./tiny-run.ts";
export { fillDisk, tmpfsTests } from "./tmpfs.ts";
