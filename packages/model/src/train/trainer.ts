// The host API over the training graph: `createTrainer(config, hp, {k, batch})` compiles the K-step graph once
// and `step(state, lrs, x, y)` runs K optimizer steps, returning per-step losses and gradient norms and the
// new state; a state an earlier step returned is released once stepped from (see `step`). Also
// `lossAndGradients` (one batch, no update) for checks. Leaves out: the schedule, data loading and checkpoints
// (packages/trainer owns those) and device-resident state (the Node binding copies outputs).

import { type ModelConfig, parameterSpecs } from "../config.ts";
import { tensorOf } from "../graph/value.ts";
import {
  checkParamMap,
  checkTokenIds,
  type HostIntTensor,
  i32,
  type ParamMap,
  paramFeeds,
  paramsFrom,
  toHost,
} from "../host-tensors.ts";
import { zerosLikeParams } from "../init.ts";
import { emitModel } from "../onnx/emit.ts";
import { validateAdamw } from "../optim/adamw.ts";
import { type Device, type OptimizationLevel, Session, type SessionOptions } from "../runtime/session.ts";
import { deviceSessionOptions } from "./inference.ts";
import { buildLossAndGradsGraph, buildTrainStepGraph, type TrainHyper, trainNames } from "./train-step.ts";

/** Parameters, AdamW moments (same names) and the number of optimizer steps taken. */
export type TrainState = { params: ParamMap; m: ParamMap; v: ParamMap; step: number };

export type TrainerOptions = {
  /** optimizer steps per graph run (the Loop's trip count) */
  k: number;
  /** sequences per micro-batch (per step without accumulation) */
  batch: number;
  /** micro-batches averaged into each optimizer step (gradient accumulation); default 1 */
  gradAccumSteps?: number;
  /** tokens per sequence; default the context length */
  seqLen?: number;
  device?: Device;
  deviceId?: number;
  intraOpThreads?: number;
  /**
   * ORT graph optimization level; default "all". The graph is float32 apart from AdamW's scalar bias
   * corrections (float64 for precision), which would otherwise make the runtime fall back to "basic".
   */
  optimizationLevel?: OptimizationLevel;
  /** write ORT's per-node trace to `<prefix>_<date>.json` (flushed by `endProfiling`); for bench/ */
  profilePrefix?: string;
  /** ORT memory settings (arena, memory pattern, session config entries); default: memory pattern off */
  memory?: Pick<SessionOptions, "cpuMemArena" | "memPattern" | "sessionConfig">;
};

export type StepResult = { losses: Float32Array; gradNorms: Float32Array; state: TrainState };

export type Trainer = {
  readonly config: ModelConfig;
  readonly k: number;
  readonly batch: number;
  readonly gradAccumSteps: number;
  readonly seqLen: number;
  /**
   * K steps: lrs [K], x and y [K, gradAccumSteps, batch, seqLen] token ids (targets are x shifted by one).
   * When `state` is one an earlier step returned, its arrays are released (detached, length 0) once this run
   * has succeeded: stepping from a returned state consumes it, and using it again is refused. States built by
   * the caller (initTrainState, a checkpoint) are never released; a run that fails releases and writes nothing.
   */
  step(state: TrainState, lrs: ArrayLike<number>, x: Int32Array, y: Int32Array): Promise<StepResult>;
  /** Flushes the profile trace (trainers created with `profilePrefix`; a no-op otherwise). */
  endProfiling(): void;
  release(): Promise<void>;
};

/** A fresh state: given parameters, zero moments, step 0. */
export function initTrainState(params: ParamMap): TrainState {
  return { params, m: zerosLikeParams(params), v: zerosLikeParams(params), step: 0 };
}

// The Node binding copies every output into a new ArrayBuffer while the run's input state is still alive, so a
// run ends with two states on the host. The older one was left to the garbage collector, which let one or two
// more (273 MB each on the TinyStories shape) pile up before it ran: releasing it as soon as the run that
// replaced it succeeds keeps peak RSS at two states (bench/RESULTS.md, Deliverable 2). Only arrays this module
// handed out are released, so a caller's own arrays (initial weights, a loaded checkpoint's views) are left alone.
const issued = new WeakSet<Float32Array>();

// ES2024's resizable-buffer methods, which the repository's TypeScript lib does not declare yet (Bun has them).
type Es2024Buffer = { transfer(length: number): ArrayBuffer; readonly detached: boolean };

function issue(params: ParamMap): ParamMap {
  for (const t of Object.values(params)) issued.add(t.data);
  return params;
}

function release(state: TrainState): void {
  for (const map of [state.params, state.m, state.v]) {
    for (const t of Object.values(map)) {
      if (!issued.delete(t.data)) continue;
      const whole = t.data.byteOffset === 0 && t.data.byteLength === t.data.buffer.byteLength;
      if (whole && t.data.buffer instanceof ArrayBuffer) (t.data.buffer as unknown as Es2024Buffer).transfer(0);
    }
  }
}

/** Refuses a state whose arrays an earlier step released, naming the fix (checkParamMap would only see length 0). */
function checkNotReleased(state: TrainState): void {
  for (const [what, map] of [
    ["params", state.params],
    ["adam m", state.m],
    ["adam v", state.v],
  ] as const) {
    for (const [name, t] of Object.entries(map)) {
      if ((t.data.buffer as unknown as Partial<Es2024Buffer>).detached === true) {
        throw new Error(
          `${what}: "${name}" was released by an earlier step: a state that step returned can be stepped from once; ` +
            "pass the state the last step returned (or a copy made before stepping)",
        );
      }
    }
  }
}

function positiveInt(what: string, n: number): void {
  if (!Number.isSafeInteger(n) || n < 1) throw new RangeError(`${what} must be a positive integer, got ${n}`);
}

export async function createTrainer(config: ModelConfig, hp: TrainHyper, opts: TrainerOptions): Promise<Trainer> {
  validateAdamw(hp);
  if (hp.maxGradNorm !== null && !(hp.maxGradNorm > 0)) {
    throw new RangeError(`max gradient norm must be > 0 (or null for no clipping), got ${hp.maxGradNorm}`);
  }
  const seqLen = opts.seqLen ?? config.contextLength;
  positiveInt("k (steps per run)", opts.k);
  positiveInt("batch size", opts.batch);
  const accum = opts.gradAccumSteps ?? 1;
  positiveInt("gradient accumulation steps", accum);
  positiveInt("sequence length", seqLen);
  if (seqLen > config.contextLength) {
    throw new RangeError(`sequence length ${seqLen} exceeds the context length ${config.contextLength}`);
  }
  const { k, batch } = opts;
  const bytes = emitModel(buildTrainStepGraph(config, hp, { k, batch, seqLen, accum }));
  const session = await Session.create(bytes, {
    ...deviceSessionOptions(opts),
    optimizationLevel: opts.optimizationLevel ?? "all",
    ...(opts.profilePrefix !== undefined && { profilePrefix: opts.profilePrefix }),
    // ORT's memory pattern (one planned block per run shape) measured 150-660 MB more peak RSS on the
    // training graph with no speed gain (bench/RESULTS.md, torch-train): off unless asked for.
    memPattern: false,
    ...opts.memory,
  });
  const names = parameterSpecs(config).map((s) => s.name);
  const perRun = k * accum * batch * seqLen;
  const idShape = accum > 1 ? [k, accum, batch, seqLen] : [k, batch, seqLen];
  const sizeText =
    accum > 1
      ? `k·gradAccumSteps·batch·seqLen = ${k}·${accum}·${batch}·${seqLen}`
      : `k·batch·seqLen = ${k}·${batch}·${seqLen}`;

  return {
    config,
    k,
    batch,
    gradAccumSteps: accum,
    seqLen,
    async step(state, lrs, x, y) {
      if (lrs.length !== k) throw new RangeError(`expected ${k} learning rates (one per step), got ${lrs.length}`);
      for (const [what, ids] of [
        ["x", x],
        ["y", y],
      ] as const) {
        if (ids.length !== perRun) {
          throw new RangeError(`${what} must hold ${sizeText} = ${perRun} ids, got ${ids.length}`);
        }
        checkTokenIds(what, ids, config.vocabSize);
      }
      checkNotReleased(state);
      checkParamMap("params", config, state.params);
      checkParamMap("adam m", config, state.m);
      checkParamMap("adam v", config, state.v);
      if (!Number.isSafeInteger(state.step) || state.step < 0)
        throw new RangeError(`step must be >= 0, got ${state.step}`);
      const out = await session.run({
        [trainNames.step]: tensorOf("int64", [], [state.step]),
        [trainNames.lrs]: tensorOf("float32", [k], Array.from(lrs)),
        [trainNames.x]: i32(x, idShape),
        [trainNames.y]: i32(y, idShape),
        ...paramFeeds(state.params),
        ...paramFeeds(state.m, trainNames.m),
        ...paramFeeds(state.v, trainNames.v),
      });
      const next: TrainState = {
        params: issue(paramsFrom(out, names, trainNames.out)),
        m: issue(paramsFrom(out, names, (nm) => trainNames.out(trainNames.m(nm)))),
        v: issue(paramsFrom(out, names, (nm) => trainNames.out(trainNames.v(nm)))),
        step: state.step + k,
      };
      release(state);
      return {
        losses: toHost(out[trainNames.losses], "losses").data,
        gradNorms: toHost(out[trainNames.gradNorms], "grad_norms").data,
        state: next,
      };
    },
    endProfiling: () => {
      if (opts.profilePrefix !== undefined) session.endProfiling();
    },
    release: () => session.release(),
  };
}

/** Mean loss, logits (B, T, V) and every parameter's gradient for one batch (no update). */
export async function lossAndGradients(
  config: ModelConfig,
  params: ParamMap,
  tokens: HostIntTensor,
  targets: HostIntTensor,
  opts: { device?: Device } = {},
): Promise<{ loss: number; logits: Float32Array; grads: ParamMap }> {
  const [b, t] = tokens.shape as [number, number];
  if (tokens.shape.length !== 2 || targets.shape.join() !== tokens.shape.join()) {
    throw new RangeError(`tokens and targets must both be [B, T], got [${tokens.shape}] and [${targets.shape}]`);
  }
  if (t > config.contextLength) {
    throw new RangeError(`sequence length ${t} exceeds the context length ${config.contextLength}`);
  }
  checkTokenIds("tokens", tokens.data, config.vocabSize);
  checkTokenIds("targets", targets.data, config.vocabSize);
  checkParamMap("params", config, params);
  const session = await Session.create(emitModel(buildLossAndGradsGraph(config, b, t)), {
    device: opts.device ?? "cpu",
  });
  try {
    const out = await session.run({
      tokens: i32(tokens.data, [b, t]),
      targets: i32(targets.data, [b, t]),
      ...paramFeeds(params),
    });
    const grads = paramsFrom(out, Object.keys(params), (nm) => `grad.${nm}`);
    return { loss: toHost(out.loss, "loss").data[0]!, logits: toHost(out.logits, "logits").data, grads };
  } finally {
    await session.release();
  }
}
