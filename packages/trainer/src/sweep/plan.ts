// A sweep's runs from lists of config values: each swept field is its flag and its values as the user wrote
// them (`--lr-max 1e-4,3e-4`); a field with one value is fixed for every run. Runs are the grid (every
// combination, the first field slowest, as nested loops read) or, zipped, the i-th value of every field
// together (ablations: `--norm pre,none --positional rope,rope`). Each run is named from its values
// (`lr-max-1e-4_batch-size-16`), which is also its folder. Every value is parsed here by the config's own
// field table, so a bad one fails before any run starts. Leaves out: random search.
import { CONFIG_FLAGS, ConfigError, configFromFlags, type RunConfigInput } from "../run/config.ts";

/** One swept or fixed field: its flag (kebab-case, as `train` takes it) and its values as written. */
export type SweepField = { flag: string; values: string[] };

export type SweepRun = {
  /** Folder name under the sweep folder, from the swept values. */
  name: string;
  /** The swept fields' values (flag → value as written), in flag order. */
  values: Record<string, string>;
  /** Config layer of this run: the fixed fields and its swept values. */
  overrides: RunConfigInput;
};

export type SweepMode = "grid" | "zip";

/** A value as a folder name: the value as written, with anything but letters, digits, `.`, `+`, `-` as `-`. */
const slug = (v: string) => v.replace(/[^A-Za-z0-9.+-]+/g, "-").replace(/^-+|-+$/g, "") || "empty";

/** Merges config layers (a later model field wins, as resolveRunConfig layers them). */
function merge(layers: RunConfigInput[]): RunConfigInput {
  const out: RunConfigInput = {};
  for (const l of layers) {
    const { model, ...rest } = l;
    Object.assign(out, rest);
    if (model) out.model = { ...out.model, ...model };
  }
  return out;
}

/** Parses one value of a field through the config's field table (the message names the flag). */
function layerOf(flag: string, value: string): RunConfigInput {
  if (!(flag in CONFIG_FLAGS)) throw new ConfigError(`--${flag} is not a config field`);
  if (flag === "out") throw new ConfigError("--out is the sweep's folder; each run's folder is named from its values");
  return configFromFlags(new Map([[flag, value]]));
}

/** Expands fields into runs; fields with several values are swept, the rest fixed. */
export function planSweep(fields: readonly SweepField[], mode: SweepMode = "grid"): SweepRun[] {
  for (const f of fields) {
    if (f.values.length === 0 || f.values.some((v) => v.trim() === "")) {
      throw new ConfigError(`--${f.flag} needs comma-separated values, got "${f.values.join(",")}"`);
    }
    for (const v of f.values) layerOf(f.flag, v);
  }
  const swept = fields.filter((f) => f.values.length > 1);
  const fixed = merge(fields.filter((f) => f.values.length === 1).map((f) => layerOf(f.flag, f.values[0]!)));
  let combos: string[][];
  if (mode === "zip") {
    const n = swept[0]?.values.length ?? 1;
    const off = swept.find((f) => f.values.length !== n);
    if (off) {
      throw new ConfigError(
        `--zip pairs the i-th values of every swept field, so each needs the same count: --${swept[0]!.flag} has ` +
          `${n}, --${off.flag} has ${off.values.length}`,
      );
    }
    combos = Array.from({ length: n }, (_, i) => swept.map((f) => f.values[i]!));
  } else {
    combos = swept.reduce<string[][]>((acc, f) => acc.flatMap((c) => f.values.map((v) => [...c, v])), [[]]);
  }
  const runs = combos.map((combo) => {
    const values = Object.fromEntries(swept.map((f, i) => [f.flag, combo[i]!]));
    const name = swept.length === 0 ? "run" : swept.map((f, i) => `${f.flag}-${slug(combo[i]!)}`).join("_");
    const overrides = merge([fixed, ...swept.map((f, i) => layerOf(f.flag, combo[i]!))]);
    return { name, values, overrides };
  });
  const seen = new Map<string, number>();
  for (const r of runs) {
    const k = seen.get(r.name) ?? 0;
    seen.set(r.name, k + 1);
    // The same values twice (a zipped list may repeat a combination) get their own folders.
    if (k > 0) r.name = `${r.name}_${k + 1}`;
  }
  return runs;
}

/** A run's values as one line, e.g. "lr-max=1e-4 batch-size=16" ("(fixed)" for a one-run sweep). */
export function describeValues(values: Record<string, string>): string {
  const parts = Object.entries(values).map(([k, v]) => `${k}=${v}`);
  return parts.length > 0 ? parts.join(" ") : "(fixed)";
}
