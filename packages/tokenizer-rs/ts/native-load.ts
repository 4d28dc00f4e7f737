// Which build runs the tokenizer in this process: the Node-API addon (src/napi/, native threads and memory)
// or the WebAssembly core, chosen once from CS336_TOKENIZER_BACKEND (auto | native | wasm). auto takes the
// addon when one loads for this platform, napi-rs's per-platform package first, then the in-repo
// native/tokenizer.<platform>.node, and WASM otherwise. The browser build swaps in native-load-web.ts.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { TokenizerError } from "./errors.ts";

export type Backend = "native" | "wasm";

/** The backend in use and why: the addon's file, or why WASM runs (asked for, no addon, or its load error). */
export type BackendInfo = {
  backend: Backend;
  detail: string;
  /** Set when an addon was found but failed to load (wrong ABI, corrupt), so WASM runs instead. */
  loadError?: string;
};

/** The addon's classes as JS sees them (src/napi/*.rs); `policy` is special-policy.ts's flag bytes. */
export type NativeEncoder = {
  readonly vocabSize: number;
  /** All of `text` at once (the wrapper uses encodePrefix, which also serves streams). */
  encode(text: Uint8Array, policy?: Uint8Array): Uint32Array;
  readonly specialTokens: string[];
  readonly specialIds: Uint32Array;
  encodePrefix(
    text: Uint8Array,
    policy: Uint8Array,
    last: boolean,
    base: number,
  ): { ids: Uint32Array; consumed: number };
  encodeBatch(text: Uint8Array, ends: Uint32Array, policy: Uint8Array): { ids: Uint32Array; ends: Uint32Array };
  encodeFileRange(path: string, start: number, end: number, policy: Uint8Array): Promise<Uint32Array>;
  decode(ids: Uint32Array): Uint8Array;
  tokenBytes(id: number): Uint8Array;
};

export type NativeCounter = {
  readonly len: number;
  addText(chunk: Uint8Array, base: number): number;
  countFileRange(path: string, start: number, end: number): Promise<number>;
  absorb(other: NativeCounter): number;
};

export type NativeAddon = {
  Encoder: {
    fromMerges(vocab: Uint8Array[], merges: Uint8Array[], specials: string[]): NativeEncoder;
    fromRanks(tokens: Uint8Array[], specials: string[], ids: Uint32Array): NativeEncoder;
    fromRankFile(text: Uint8Array, specials: string[], ids: Uint32Array, name: string): NativeEncoder;
    fromGpt2Files(vocab: Uint8Array, merges: Uint8Array, specials: string[], v: string, m: string): NativeEncoder;
    fromTokenizerJson(text: Uint8Array, specials: string[], name: string): NativeEncoder;
  };
  Counter: new (specials: string[]) => NativeCounter;
  Trainer: new (counter: NativeCounter) => { step(max: number): number; merges(): Uint32Array };
  checkTrainingSpecials(specials: string[]): void;
  /** The sha256 of the Rust sources it was built from (scripts/source-hash.sh); null when built without it. */
  coreSourceHash?(): string | null;
};

export const ENV_VAR = "CS336_TOKENIZER_BACKEND";
export const BUILD_COMMAND = "bash packages/tokenizer-rs/scripts/build-native.sh";

/** Methods this wrapper calls: an addon built before any of them existed is stale, not usable. */
const REQUIRED: Record<string, string[]> = {
  Encoder: ["encodePrefix", "encodeBatch", "encodeFileRange", "decode", "tokenBytes"],
  Counter: ["addText", "countFileRange", "absorb"],
  Trainer: ["step", "merges"],
};

/** napi-rs's platform name: `linux-x64-gnu`, `linux-arm64-musl`, `darwin-arm64`, `win32-x64-msvc`. */
export function platformName(): string {
  const { platform, arch } = process;
  if (platform === "linux") return `${platform}-${arch}-${isMusl() ? "musl" : "gnu"}`;
  if (platform === "win32") return `${platform}-${arch}-msvc`;
  return `${platform}-${arch}`;
}

/** musl's dynamic loader sits in /lib (Alpine); glibc systems have none there. */
function isMusl(): boolean {
  try {
    return readdirSync("/lib").some((n) => n.startsWith("ld-musl-"));
  } catch {
    return false;
  }
}

/** Where the addon is looked for, in order: npm package names, then files. Tests point these elsewhere. */
export type NativeSearch = { packages: string[]; files: string[] };

function defaultSearch(): NativeSearch {
  const name = platformName();
  // native/ sits beside ts/ in the workspace and beside dist/ in a packed package.
  const file = fileURLToPath(new URL(`../native/tokenizer.${name}.node`, import.meta.url));
  return { packages: [`@cs336-ts/tokenizer-${name}`], files: [file] };
}

type Choice = BackendInfo & { addon?: NativeAddon };

let search: NativeSearch | undefined;
let chosen: Choice | undefined;

/** Test hook: look for the addon in `s` instead (an empty list finds none), and choose again. */
export function setNativeSearch(s: NativeSearch | undefined): void {
  search = s;
  chosen = undefined;
}

function missingMethods(addon: NativeAddon): string[] {
  const classes = addon as unknown as Record<string, { prototype?: Record<string, unknown> } | undefined>;
  return Object.entries(REQUIRED).flatMap(([cls, methods]) =>
    methods.filter((m) => typeof classes[cls]?.prototype?.[m] !== "function").map((m) => `${cls}.${m}`),
  );
}

/**
 * Why an addon was built from other Rust sources than the WebAssembly module beside this wrapper, if it was:
 * both builds stamp scripts/source-hash.sh's hash (dist/.source-hash, the addon's coreSourceHash), and an
 * addon left behind by a native build that failed after a change must not encode with older rules. No stamp
 * beside the wrapper (a WASM module not built here): nothing to compare.
 */
function sourceMismatch(addon: NativeAddon): string | undefined {
  let wasm: string;
  try {
    wasm = readFileSync(fileURLToPath(new URL("../dist/.source-hash", import.meta.url)), "utf8").trim();
  } catch {
    return undefined;
  }
  const own = typeof addon.coreSourceHash === "function" ? addon.coreSourceHash() : null;
  if (!wasm || own === wasm) return undefined;
  return own
    ? `it was built from other Rust sources than the WebAssembly module (sources ${own.slice(0, 12)}, WebAssembly's ${wasm.slice(0, 12)})`
    : "it does not say which Rust sources it was built from";
}

/** The first addon found: loaded, or the reason it could not be (found but unusable); none when absent. */
function findAddon(s: NativeSearch): { addon?: NativeAddon; from?: string; error?: string } {
  const req = createRequire(import.meta.url);
  const tryLoad = (spec: string, from: string) => {
    const addon = req(spec) as NativeAddon;
    const missing = missingMethods(addon);
    if (missing.length > 0) return { from, error: `it predates this wrapper (no ${missing.join(", ")})` };
    const mismatch = sourceMismatch(addon);
    return mismatch ? { from, error: mismatch } : { addon, from };
  };
  for (const pkg of s.packages) {
    try {
      req.resolve(pkg);
    } catch {
      continue; // not installed: the usual case outside its platform
    }
    try {
      return tryLoad(pkg, `package ${pkg}`);
    } catch (e) {
      return { from: `package ${pkg}`, error: (e as Error).message };
    }
  }
  for (const file of s.files) {
    if (!existsSync(file)) continue;
    try {
      return tryLoad(file, file);
    } catch (e) {
      return { from: file, error: (e as Error).message };
    }
  }
  return {};
}

function choose(): Choice {
  const asked = (process.env[ENV_VAR] ?? "").trim() || "auto";
  if (asked !== "auto" && asked !== "native" && asked !== "wasm") {
    throw new TokenizerError(
      `${ENV_VAR}=${JSON.stringify(asked)} is not a tokenizer backend: use auto (the default: the native addon ` +
        "when it is built for this platform, else WebAssembly), native or wasm",
      "input",
    );
  }
  if (asked === "wasm") return { backend: "wasm", detail: `WebAssembly, as ${ENV_VAR}=wasm asks` };
  const s = search ?? defaultSearch();
  const found = findAddon(s);
  if (found.addon) {
    const why = asked === "native" ? `, as ${ENV_VAR}=native asks` : "";
    return { backend: "native", detail: `native addon ${found.from}${why}`, addon: found.addon };
  }
  const where = [...s.packages.map((p) => `package ${p}`), ...s.files].join(", ") || "nowhere";
  if (asked === "native") {
    const why = found.error
      ? `the native addon ${found.from} failed to load: ${found.error}`
      : `no native addon for ${platformName()} was found (looked for ${where})`;
    throw new TokenizerError(
      `${ENV_VAR}=native, but ${why}; build it with \`${BUILD_COMMAND}\`, or run with ${ENV_VAR}=wasm`,
      "internal",
    );
  }
  if (found.error) {
    return {
      backend: "wasm",
      detail: `WebAssembly: the native addon ${found.from} failed to load (${found.error}); rebuild it with \`${BUILD_COMMAND}\``,
      loadError: found.error,
    };
  }
  return {
    backend: "wasm",
    detail: `WebAssembly: no native addon for ${platformName()} (looked for ${where}; build it with \`${BUILD_COMMAND}\`)`,
  };
}

function choice(): Choice {
  chosen ??= choose();
  return chosen;
}

/** The backend this process uses (chosen on first call), and why. */
export function tokenizerBackend(): BackendInfo {
  const { backend, detail, loadError } = choice();
  return loadError === undefined ? { backend, detail } : { backend, detail, loadError };
}

/** The backend new tokenizers, trainings and file encodings use unless a test names one. */
export function defaultBackend(): Backend {
  return choice().backend;
}

/** The loaded addon, for work on the native backend; a TokenizerError saying how to build it when absent. */
export function nativeAddon(): NativeAddon {
  const c = choice();
  if (c.addon) return c.addon;
  // A test asked for native explicitly while the process chose WASM: load it anyway when it exists.
  const found = findAddon(search ?? defaultSearch());
  if (found.addon) {
    chosen = { ...c, addon: found.addon };
    return found.addon;
  }
  throw new TokenizerError(
    `the native tokenizer addon is not available (${found.error ?? `none built for ${platformName()}`}); build it with \`${BUILD_COMMAND}\`, or use ${ENV_VAR}=wasm`,
    "internal",
  );
}
