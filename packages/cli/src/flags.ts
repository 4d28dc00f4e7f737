// Flag parsing for every command: `--kebab-case value`, `--flag=value`, repeatable list flags, `--no-x`
// for booleans. Unknown flags, missing values and bad numbers are UsageErrors (the CLI prints help, exits 2).
// A repeated non-list flag keeps its last value, so a command line can override flags given before it.

export class UsageError extends Error {
  override name = "UsageError";
}

export type FlagSpec =
  | { type: "string"; help: string; default?: string; required?: boolean }
  | { type: "number"; help: string; default?: number; required?: boolean; integer?: boolean }
  | { type: "boolean"; help: string; default?: boolean }
  | { type: "strings"; help: string; default?: string[]; required?: boolean };

export type FlagSpecs = Record<string, FlagSpec>;

type ValueOf<S extends FlagSpec> = S extends { type: "string" }
  ? string
  : S extends { type: "number" }
    ? number
    : S extends { type: "boolean" }
      ? boolean
      : string[];

export type Parsed<S extends FlagSpecs> = { [K in keyof S]: ValueOf<S[K]> | undefined } & {
  _: string[];
  /** Flags the user actually passed (kebab-case), e.g. to override only those fields of a preset. */
  given: Set<string>;
};

/**
 * Whether argv asks for help: `--help` or `-h` where a flag or positional argument stands, not as the value of
 * a flag that takes one (`generate --prompt -h` samples from the prompt "-h").
 */
export function wantsHelp(argv: string[], specs: FlagSpecs): boolean {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === "--help" || arg === "-h") return true;
    if (!arg.startsWith("--") || arg.includes("=")) continue;
    const spec = specs[arg.slice(2)];
    const next = argv[i + 1];
    if (spec && spec.type !== "boolean" && next !== undefined && !(next.startsWith("--") && next.length > 2)) i++;
  }
  return false;
}

/** Parses argv against specs; positional arguments land in `_`. */
export function parseFlags<S extends FlagSpecs>(argv: string[], specs: S): Parsed<S> {
  const out: Record<string, unknown> = { _: [] as string[], given: new Set<string>() };
  for (const [name, spec] of Object.entries(specs)) out[name] = "default" in spec ? spec.default : undefined;
  const given = out.given as Set<string>;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (!arg.startsWith("--") || arg === "--") {
      (out._ as string[]).push(arg);
      continue;
    }
    let name = arg.slice(2);
    let value: string | undefined;
    const eq = name.indexOf("=");
    if (eq >= 0) {
      value = name.slice(eq + 1);
      name = name.slice(0, eq);
    }
    let spec = specs[name];
    if (!spec && name.startsWith("no-") && specs[name.slice(3)]?.type === "boolean") {
      name = name.slice(3);
      spec = specs[name];
      value = "false";
    }
    if (!spec) {
      const close = closest(name, Object.keys(specs));
      throw new UsageError(`unknown flag --${name}${close ? ` (did you mean --${close}?)` : ""}`);
    }
    given.add(name);
    if (spec.type === "boolean") {
      if (value !== undefined && value !== "true" && value !== "false") {
        throw new UsageError(`--${name} takes no value or true/false, got "${value}"`);
      }
      out[name] = value !== "false";
      continue;
    }
    if (value === undefined) {
      const next = argv[i + 1];
      if (next === undefined || (next.startsWith("--") && next.length > 2)) {
        throw new UsageError(`--${name} needs a value (${spec.help})`);
      }
      value = next;
      i++;
    }
    if (spec.type === "number") {
      const n = Number(value);
      if (value.trim() === "" || !Number.isFinite(n))
        throw new UsageError(`--${name} must be a number, got "${value}"`);
      if (spec.integer && !Number.isInteger(n)) throw new UsageError(`--${name} must be an integer, got "${value}"`);
      // Past 2^53 neighbouring integers collapse, and every consumer (seeds, counts, sizes) refuses them later.
      if (spec.integer && !Number.isSafeInteger(n)) {
        throw new UsageError(`--${name} must be ${n > 0 ? "at most 2^53 - 1" : "at least -(2^53 - 1)"}, got ${n}`);
      }
      out[name] = n;
    } else if (spec.type === "strings") {
      const prev = given.has(`${name}\0list`) ? (out[name] as string[]) : [];
      given.add(`${name}\0list`);
      out[name] = [...prev, value];
    } else {
      out[name] = value;
    }
  }
  for (const key of [...given]) if (key.includes("\0")) given.delete(key);
  for (const [name, spec] of Object.entries(specs)) {
    if ("required" in spec && spec.required && out[name] === undefined) {
      throw new UsageError(`missing required flag --${name} (${spec.help})`);
    }
  }
  return out as Parsed<S>;
}

/** Help text for a command's flags, aligned in two columns. */
export function formatFlags(specs: FlagSpecs): string {
  const rows = Object.entries(specs).map(([name, s]) => {
    const arg =
      s.type === "boolean" ? "" : s.type === "strings" ? " VALUE…" : ` ${s.type === "number" ? "N" : "VALUE"}`;
    const def = "default" in s && s.default !== undefined ? ` (default: ${JSON.stringify(s.default)})` : "";
    const req = "required" in s && s.required ? " (required)" : "";
    return [`  --${name}${arg}`, `${s.help}${req}${def}`] as const;
  });
  const width = Math.max(0, ...rows.map(([l]) => l.length)) + 2;
  return rows.map(([l, r]) => l.padEnd(width) + r).join("\n");
}

/** The name a typo most likely meant: one it starts, one that starts it, or one within two edits. */
export function closest(name: string, names: readonly string[]): string | undefined {
  return names.find((n) => n.startsWith(name) || name.startsWith(n) || distance(n, name) <= 2);
}

function distance(a: string, b: string): number {
  const d = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0] as number;
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = d[j] as number;
      d[j] = Math.min(cur + 1, (d[j - 1] as number) + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return d[b.length] as number;
}
