// The repository root, for the app features that work on a checkout: the demo's preset
// (configs/tinystories-cpu.json), ../shared/data beside the checkout and data/ for earlier downloads.
// The libraries never know it; only the CLI's application code does.
import { resolve } from "node:path";

export const REPO_ROOT = resolve(import.meta.dir, "..", "..", "..", "..");
