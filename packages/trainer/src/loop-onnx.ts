// The ONNX Runtime backend of the training loop: packages/model's K-step training graph (forward, backward,
// clipping and AdamW in one Loop) and a forward-only loss graph for validation, each emitted once per shape
// and run through the model package's Session wrapper (cpu, or cuda with its install hint when missing).
// Leaves out: device-resident state (the Node binding copies outputs to the host; hence K steps per run).
import type { ModelConfig } from "@cs336-ts/model/config.ts";
import { Graph } from "@cs336-ts/model/graph/graph.ts";
import type { ParamMap } from "@cs336-ts/model/init.ts";
import { lmLoss, parameterInputs, transformerLm } from "@cs336-ts/model/nn/lm.ts";
import { emitModel } from "@cs336-ts/model/onnx/emit.ts";
import { Session, type SessionOptions } from "@cs336-ts/model/runtime/session.ts";
import { buildTrainStepGraph, type TrainHyper, trainNames } from "@cs336-ts/model/train/train-step.ts";
import type { TrainState } from "./checkpoint.ts";
import type { RunConfig } from "./config.ts";
import type { TrainEngine } from "./loop-engine.ts";

/** tokens, targets (B, T) int32 → mean cross-entropy; parameters are inputs named as CS336. */
export function buildEvalLossGraph(config: ModelConfig, batch: number, seqLen: number): Graph {
  const g = new Graph("eval_loss");
  const params = parameterInputs(g, config);
  const x = g.input("x", "int32", [batch, seqLen]);
  const y = g.input("y", "int32", [batch, seqLen]);
  g.output("loss", lmLoss(transformerLm(x, params, config), y));
  return g;
}

const f32 = (t: { data: Float32Array; shape: number[] }) => ({ dtype: "float32" as const, shape: t.shape, data: t.data });

export async function createOnnxEngine(c: RunConfig): Promise<TrainEngine> {
  const B = c.batchSize;
  const T = c.model.contextLength;
  const hp: TrainHyper = {
    beta1: c.beta1,
    beta2: c.beta2,
    eps: c.adamEps,
    weightDecay: c.weightDecay,
    maxGradNorm: c.gradClip > 0 ? c.gradClip : null,
  };
  const opts: SessionOptions = { device: c.device };
  if (c.threads > 0) opts.intraOpThreads = c.threads;
  // One session per graph-run length: usually just K, plus the short runs before eval/checkpoint boundaries.
  const trainSessions = new Map<number, Promise<Session>>();
  const trainSession = (k: number) => {
    let s = trainSessions.get(k);
    if (!s) {
      s = Session.create(emitModel(buildTrainStepGraph(c.model, hp, { k, batch: B, seqLen: T })), opts);
      trainSessions.set(k, s);
    }
    return s;
  };
  // Create the main sessions now so a missing CUDA provider fails before any step.
  await trainSession(c.stepsPerRun);
  let evalSession: Promise<Session> | null = null;

  return {
    async step(state: TrainState, lrs, x, y) {
      const k = lrs.length;
      const session = await trainSession(k);
      const feeds: Record<string, Parameters<Session["run"]>[0][string]> = {};
      for (const [name, t] of Object.entries(state.params)) {
        feeds[name] = f32(t);
        feeds[trainNames.m(name)] = f32(state.m[name]!);
        feeds[trainNames.v(name)] = f32(state.v[name]!);
      }
      feeds[trainNames.step] = { dtype: "int64", shape: [], data: BigInt64Array.of(BigInt(state.adamStep)) };
      feeds[trainNames.lrs] = { dtype: "float32", shape: [k], data: lrs };
      feeds[trainNames.x] = { dtype: "int32", shape: [k, B, T], data: x };
      feeds[trainNames.y] = { dtype: "int32", shape: [k, B, T], data: y };
      const out = await session.run(feeds);
      const take = (key: string, shape: number[]) => ({ data: out[key]!.data as Float32Array, shape });
      const params: ParamMap = {};
      const m: ParamMap = {};
      const v: ParamMap = {};
      for (const [name, t] of Object.entries(state.params)) {
        params[name] = take(trainNames.out(name), t.shape);
        m[name] = take(trainNames.out(trainNames.m(name)), t.shape);
        v[name] = take(trainNames.out(trainNames.v(name)), t.shape);
      }
      return {
        losses: out[trainNames.losses]!.data as Float32Array,
        gradNorms: out[trainNames.gradNorms]!.data as Float32Array,
        state: { params, m, v, adamStep: state.adamStep + k },
      };
    },
    async evalLoss(params: ParamMap, x, y) {
      evalSession ??= Session.create(emitModel(buildEvalLossGraph(c.model, B, T)), opts);
      const session = await evalSession;
      const feeds: Record<string, Parameters<Session["run"]>[0][string]> = {};
      for (const [name, t] of Object.entries(params)) feeds[name] = f32(t);
      feeds.x = { dtype: "int32", shape: [B, T], data: x };
      feeds.y = { dtype: "int32", shape: [B, T], data: y };
      const out = await session.run(feeds, ["loss"]);
      return Number(out.loss!.data[0]);
    },
    async dispose() {
      const all = [...trainSessions.values(), ...(evalSession ? [evalSession] : [])];
      for (const s of all) await (await s).release();
    },
  };
}
