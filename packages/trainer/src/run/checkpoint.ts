// Checkpoints: one safetensors file holding the weights under their CS336 names, AdamW's moments as
// `m.<name>` / `v.<name>`, and in `__metadata__` the format version, the step, AdamW's step count, the data
// generator's state, the model and run configs (JSON), the tokenizer's sha256 (when the run names one) and a
// sha256 of the tensor bytes. Written atomically
// (io/atomic-file.ts); the loader names exactly what is wrong with a corrupt, truncated or foreign file.
// Leaves out: retention (run-dir.ts) and sharding (one file is fine up to a few GB).
import { closeSync, existsSync, openSync, readFileSync, readSync, statSync } from "node:fs";
import { join } from "node:path";
import {
  type ModelConfig,
  parameterSpecs,
  type ParamMap,
  readSafetensors,
  resolveModelConfig,
  type RngState,
  type SafeTensor,
  type TrainState,
  writeSafetensors,
} from "@cs336-ts/model";
import { writeFileAtomic } from "../io/atomic-file.ts";
import type { RunConfig } from "./config.ts";

const CHECKPOINT_FORMAT = "cs336-ts-checkpoint";
const CHECKPOINT_VERSION = 1;

export type Checkpoint = {
  model: ModelConfig;
  state: TrainState;
  /** Optimizer steps completed by the run (the next step to run). */
  iteration: number;
  /** The batch generator's state after `iteration` steps (null outside a training run). */
  rng: RngState | null;
  /** The resolved run config (null when saved outside a run, e.g. by the adapters). */
  config: RunConfig | null;
  /** Wall-clock seconds of training so far, so resumed curves continue the time axis. */
  elapsedSeconds: number;
  /** Validation loss at this step, when one was measured. */
  valLoss: number | null;
  /** sha256 of the run's tokenizer folder (run/tokenizer-match.ts), when the run names one. */
  tokenizerSha256?: string | null;
};

export class CheckpointError extends Error {
  override name = "CheckpointError";
}

/** The file's name prefix of each part of the optimizer state: weights bare, AdamW's moments as m./v. */
function stateParts(state: Pick<TrainState, "params" | "m" | "v">): [string, ParamMap][] {
  return [
    ["", state.params],
    ["m.", state.m],
    ["v.", state.v],
  ];
}

function* tensorsOf(ck: Checkpoint): Generator<[string, SafeTensor]> {
  for (const spec of parameterSpecs(ck.model)) {
    for (const [prefix, map] of stateParts(ck.state)) {
      const t = map[spec.name];
      const name = prefix + spec.name;
      if (!t) throw new CheckpointError(`cannot save: tensor "${name}" is missing`);
      if (t.shape.join(",") !== spec.shape.join(",") || t.data.length !== spec.shape.reduce((a, b) => a * b, 1)) {
        throw new CheckpointError(
          `cannot save: tensor "${name}" has shape [${t.shape}], the model needs [${spec.shape}]`,
        );
      }
      yield [name, { dtype: "F32", shape: spec.shape, data: t.data }];
    }
  }
}

function digest(tensors: Iterable<[string, SafeTensor]>): string {
  const h = new Bun.CryptoHasher("sha256");
  for (const [, t] of tensors) h.update(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
  return h.digest("hex");
}

/** Serializes a checkpoint to safetensors bytes. */
function encodeCheckpoint(ck: Checkpoint): Uint8Array {
  const tensors = [...tensorsOf(ck)];
  const metadata: Record<string, string> = {
    format: CHECKPOINT_FORMAT,
    format_version: String(CHECKPOINT_VERSION),
    iteration: String(ck.iteration),
    adam_step: String(ck.state.step),
    model_config: JSON.stringify(ck.model),
    elapsed_seconds: String(ck.elapsedSeconds),
    data_sha256: digest(tensors),
  };
  if (ck.rng) metadata.rng_state = JSON.stringify(ck.rng);
  if (ck.config) metadata.run_config = JSON.stringify(ck.config);
  if (ck.valLoss !== null) metadata.val_loss = String(ck.valLoss);
  if (ck.tokenizerSha256) metadata.tokenizer_sha256 = ck.tokenizerSha256;
  return writeSafetensors(tensors, metadata);
}

export function saveCheckpoint(path: string, ck: Checkpoint): void {
  writeFileAtomic(path, encodeCheckpoint(ck));
}

/** Parses and validates checkpoint bytes; `source` names the file in errors. */
function decodeCheckpoint(bytes: Uint8Array, source: string): Checkpoint {
  const hint = "; use an earlier checkpoint from the run's checkpoints/ folder, or start a fresh run";
  const fail = (why: string) => new CheckpointError(`${source} is not a usable checkpoint: ${why}${hint}`);
  let file: ReturnType<typeof readSafetensors>;
  try {
    file = readSafetensors(bytes, source);
  } catch (e) {
    const why = (e as Error).message;
    throw fail(why.startsWith(`${source}: `) ? why.slice(source.length + 2) : why);
  }
  const md = file.metadata;
  if (md.format !== CHECKPOINT_FORMAT) {
    throw fail(
      `no "${CHECKPOINT_FORMAT}" marker in its metadata (a plain safetensors file, not a training checkpoint?)`,
    );
  }
  if (md.format_version !== String(CHECKPOINT_VERSION)) {
    throw fail(`format version ${md.format_version}, this build reads version ${CHECKPOINT_VERSION}`);
  }
  const int = (key: string) => {
    const v = Number(md[key]);
    if (!Number.isSafeInteger(v) || v < 0) throw fail(`metadata "${key}" is ${JSON.stringify(md[key])}`);
    return v;
  };
  const json = (key: string) => {
    try {
      return JSON.parse(md[key] ?? "null") as unknown;
    } catch {
      throw fail(`metadata "${key}" is not valid JSON`);
    }
  };
  let model: ModelConfig;
  try {
    model = resolveModelConfig(json("model_config") as Partial<ModelConfig>);
  } catch (e) {
    throw fail(`its model config is invalid: ${(e as Error).message}`);
  }
  const { params, m, v } = readState(file, model, fail);
  const rng = json("rng_state");
  const word = (w: unknown) => Number.isInteger(w) && (w as number) >= 0 && (w as number) < 2 ** 32;
  if (rng !== null && !(Array.isArray(rng) && rng.length === 4 && rng.every(word))) {
    throw fail(`metadata "rng_state" is ${md.rng_state}, not four uint32 words`);
  }
  const elapsed = Number(md.elapsed_seconds ?? 0);
  const valLoss = md.val_loss === undefined ? null : Number(md.val_loss);
  return {
    model,
    state: { params, m, v, step: int("adam_step") },
    iteration: int("iteration"),
    rng: rng as RngState | null,
    config: (json("run_config") as RunConfig | null) ?? null,
    elapsedSeconds: Number.isFinite(elapsed) ? elapsed : 0,
    valLoss: valLoss !== null && Number.isFinite(valLoss) ? valLoss : null,
    ...(md.tokenizer_sha256 ? { tokenizerSha256: md.tokenizer_sha256 } : {}),
  };
}

/** The weights and moments the model config needs, exactly those, checked against the file's sha256. */
function readState(
  file: ReturnType<typeof readSafetensors>,
  model: ModelConfig,
  fail: (why: string) => CheckpointError,
): Pick<TrainState, "params" | "m" | "v"> {
  const state = { params: {}, m: {}, v: {} };
  const expected = new Set<string>();
  for (const spec of parameterSpecs(model)) {
    for (const [prefix, map] of stateParts(state)) {
      const name = prefix + spec.name;
      expected.add(name);
      const t = file.tensors.get(name);
      if (!t) throw fail(`tensor "${name}" is missing`);
      if (t.dtype !== "F32" || t.shape.join(",") !== spec.shape.join(",")) {
        throw fail(`tensor "${name}" is ${t.dtype} [${t.shape}], the model config needs F32 [${spec.shape}]`);
      }
      map[spec.name] = { data: t.data as Float32Array, shape: [...spec.shape] };
    }
  }
  const extra = [...file.tensors.keys()].filter((k) => !expected.has(k));
  if (extra.length > 0) throw fail(`unexpected tensors ${extra.slice(0, 3).join(", ")} for its model config`);
  const sha = file.metadata.data_sha256;
  if (sha !== undefined) {
    const tensors = [...expected].map((name) => [name, file.tensors.get(name)!] as [string, SafeTensor]);
    if (digest(tensors) !== sha) throw fail("tensor data does not match its sha256 (the file is corrupt)");
  }
  return state;
}

export function loadCheckpoint(path: string): Checkpoint {
  if (!existsSync(path)) throw new CheckpointError(`checkpoint ${path} not found; check the path`);
  if (statSync(path).isDirectory()) {
    const inside = existsSync(join(path, "checkpoints")) ? join(path, "checkpoints") : path;
    throw new CheckpointError(
      `${path} is a folder; pass a checkpoint file from ${inside}, e.g. ${join(inside, "best.safetensors")} or ` +
        "its newest step-NNNNNNN.safetensors",
    );
  }
  return decodeCheckpoint(readFileSync(path), path);
}

/** The resolved run config a checkpoint records (null when saved outside a run), read from its header only. */
export function readCheckpointRunConfig(path: string): RunConfig | null {
  const md = existsSync(path) && statSync(path).isFile() ? readCheckpointMetadata(path) : {};
  // Anything that is not a readable checkpoint header gets loadCheckpoint's precise error.
  if (md.format !== CHECKPOINT_FORMAT) loadCheckpoint(path);
  try {
    return JSON.parse(md.run_config ?? "null") as RunConfig | null;
  } catch {
    return null;
  }
}

/** Just the metadata (cheap: reads the header only), e.g. to find the newest checkpoint of a run. */
export function readCheckpointMetadata(path: string): Record<string, string> {
  const fd = openSync(path, "r");
  try {
    const head = Buffer.alloc(8);
    if (readSync(fd, head, 0, 8, 0) !== 8) return {};
    const len = Number(head.readBigUInt64LE(0));
    if (len > 100_000_000) return {};
    const buf = Buffer.alloc(len);
    readSync(fd, buf, 0, len, 8);
    const header = JSON.parse(buf.toString("utf8")) as { __metadata__?: Record<string, string> };
    return header.__metadata__ ?? {};
  } catch {
    return {};
  } finally {
    closeSync(fd);
  }
}
