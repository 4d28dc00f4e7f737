// A state file: any named float32 tensors with their AdamW moments, the optimizer's step and the training
// iteration, and a JSON description — CS336's save_checkpoint / load_checkpoint contract (a module's state dict
// plus its optimizer's), which holds any network, not only this package's LM. One safetensors file: tensors
// under `param.<name>`, `adam.m.<name>`, `adam.v.<name>`, so no user name can collide with another.
// Leaves out: the trainer's run checkpoints (packages/trainer), which also check the tensors against a config.

import { createHash } from "node:crypto";
import type { ParamMap } from "../host-tensors.ts";
import { readSafetensors, type SafeTensor, writeSafetensors } from "./safetensors.ts";

const FORMAT = "cs336-ts-state";
const VERSION = 1;
const PREFIX = { param: "param.", m: "adam.m.", v: "adam.v." } as const;

export type StateFile = {
  /** any named float32 tensors (a module's state dict) */
  tensors: ParamMap;
  /** AdamW moments, keyed like `tensors` (the same keys in both; a subset when some tensors are not trained) */
  m: ParamMap;
  v: ParamMap;
  /** AdamW steps taken (its bias-correction count) */
  step: number;
  /** training iterations completed */
  iteration: number;
  /** what the tensors are (e.g. a model config), stored as JSON; null for none */
  config: unknown;
};

export class StateFileError extends Error {
  override name = "StateFileError";
}

function count(what: string, n: number): void {
  if (!Number.isSafeInteger(n) || n < 0) throw new StateFileError(`${what} must be an integer >= 0, got ${n}`);
}

/** Why the moments do not fit the tensors (m and v name the same tensors, each one of them, same shape); null if they do. */
function momentsProblem(s: Pick<StateFile, "tensors" | "m" | "v">): string | null {
  const mKeys = Object.keys(s.m).sort().join("\n");
  if (Object.keys(s.v).sort().join("\n") !== mKeys) return "the AdamW moments m and v must name the same tensors";
  for (const [key, map] of [
    ["m", s.m],
    ["v", s.v],
  ] as const) {
    for (const [name, t] of Object.entries(map)) {
      const p = s.tensors[name];
      if (!p) return `AdamW ${key} has "${name}", which is not one of the tensors`;
      if (p.shape.join() !== t.shape.join())
        return `AdamW ${key} of "${name}" is [${t.shape}], the tensor is [${p.shape}]`;
    }
  }
  return null;
}

function* entries(s: StateFile): Generator<[string, SafeTensor]> {
  const problem = momentsProblem(s);
  if (problem) throw new StateFileError(`cannot save: ${problem}`);
  for (const [name, t] of Object.entries(s.tensors)) {
    yield [PREFIX.param + name, { dtype: "F32", shape: [...t.shape], data: t.data }];
  }
  for (const [key, map] of [
    ["m", s.m],
    ["v", s.v],
  ] as const) {
    for (const [name, t] of Object.entries(map)) {
      yield [PREFIX[key] + name, { dtype: "F32", shape: [...t.shape], data: t.data }];
    }
  }
}

function digest(tensors: Iterable<[string, SafeTensor]>): string {
  const h = createHash("sha256");
  for (const [name, t] of tensors) {
    h.update(name);
    h.update(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
  }
  return h.digest("hex");
}

/** The file's bytes (write them with an atomic writer); throws StateFileError for inconsistent moments. */
export function encodeStateFile(s: StateFile): Uint8Array {
  count("step", s.step);
  count("iteration", s.iteration);
  const tensors = [...entries(s)];
  return writeSafetensors(tensors, {
    format: FORMAT,
    format_version: String(VERSION),
    step: String(s.step),
    iteration: String(s.iteration),
    config: JSON.stringify(s.config ?? null),
    data_sha256: digest(tensors),
  });
}

/** Parses and checks a state file's bytes; `source` names the file in errors. */
export function decodeStateFile(bytes: Uint8Array, source: string): StateFile {
  const fail = (why: string) => new StateFileError(`${source} is not a usable state file: ${why}`);
  let file: ReturnType<typeof readSafetensors>;
  try {
    file = readSafetensors(bytes, source);
  } catch (e) {
    throw fail((e as Error).message.replace(`${source}: `, ""));
  }
  const md = file.metadata;
  if (md.format !== FORMAT) throw fail(`no "${FORMAT}" marker in its metadata (format ${JSON.stringify(md.format)})`);
  if (md.format_version !== String(VERSION)) {
    throw fail(`format version ${md.format_version}, this build reads version ${VERSION}`);
  }
  const int = (key: string) => {
    const n = Number(md[key]);
    if (!Number.isSafeInteger(n) || n < 0) throw fail(`metadata "${key}" is ${JSON.stringify(md[key])}`);
    return n;
  };
  if (digest(file.tensors) !== md.data_sha256)
    throw fail("tensor data does not match its sha256 (the file is corrupt)");
  const out: StateFile = { tensors: {}, m: {}, v: {}, step: int("step"), iteration: int("iteration"), config: null };
  for (const [stored, t] of file.tensors) {
    if (t.dtype !== "F32") throw fail(`tensor "${stored}" is ${t.dtype}, expected F32`);
    const key = (["param", "m", "v"] as const).find((k) => stored.startsWith(PREFIX[k]));
    if (!key) throw fail(`tensor "${stored}" has none of the prefixes ${Object.values(PREFIX).join(", ")}`);
    const map = key === "param" ? out.tensors : out[key];
    map[stored.slice(PREFIX[key].length)] = { data: t.data as Float32Array, shape: [...t.shape] };
  }
  // Another writer may have set the marker: what saving refuses, loading refuses too.
  const problem = momentsProblem(out);
  if (problem) throw fail(problem);
  try {
    out.config = JSON.parse(md.config ?? "null");
  } catch {
    throw fail(`metadata "config" is not valid JSON`);
  }
  return out;
}
