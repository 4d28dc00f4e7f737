// The ONNX Runtime backend of the training loop: packages/model's host trainer over the K-step training graph
// (forward, backward, clipping and AdamW in one Loop; one per graph-run length) and a forward-only loss graph
// for validation, run through the model package's Session wrapper (cpu, or cuda with its install hint). With
// gradient accumulation each step's x and y hold gradAccumSteps micro-batches of batchSize.
// Leaves out: device-resident state (the Node binding copies outputs to the host; hence K steps per run).
import {
  createTrainer,
  i32,
  type ModelConfig,
  type ParamMap,
  paramFeeds,
  type Trainer,
  type TrainState,
} from "@cs336-ts/model";
import { emitModel, Graph, lmLoss, parameterInputs, transformerLm } from "@cs336-ts/model/graph";
import { Session, type SessionOptions } from "@cs336-ts/model/runtime";
import { type RunConfig, trainHyperOf } from "../run/config.ts";
import type { TrainEngine } from "./engine.ts";

/** tokens, targets (B, T) int32 → mean cross-entropy; parameters are inputs named as CS336. */
function buildEvalLossGraph(config: ModelConfig, batch: number, seqLen: number): Graph {
  const g = new Graph("eval_loss");
  const params = parameterInputs(g, config);
  const x = g.input("x", "int32", [batch, seqLen]);
  const y = g.input("y", "int32", [batch, seqLen]);
  g.output("loss", lmLoss(transformerLm(x, params, config), y));
  return g;
}

export async function createOnnxEngine(c: RunConfig): Promise<TrainEngine> {
  const B = c.batchSize;
  const T = c.model.contextLength;
  const hp = trainHyperOf(c);
  const threads = c.threads > 0 ? { intraOpThreads: c.threads } : {};
  const opts: SessionOptions = { device: c.device, ...threads };
  // One trainer per graph-run length: usually just K, plus the short runs before eval/checkpoint boundaries.
  const trainers = new Map<number, Promise<Trainer>>();
  const trainer = (k: number) => {
    let t = trainers.get(k);
    if (!t) {
      t = createTrainer(c.model, hp, { k, batch: B, gradAccumSteps: c.gradAccumSteps, device: c.device, ...threads });
      trainers.set(k, t);
    }
    return t;
  };
  // Compile the main graph now so a missing CUDA provider fails before any step.
  await trainer(Math.min(c.stepsPerRun, c.maxSteps));
  let evalSession: Promise<Session> | null = null;

  return {
    async step(state: TrainState, lrs, x, y) {
      return (await trainer(lrs.length)).step(state, lrs, x, y);
    },
    async evalLoss(params: ParamMap, x, y) {
      evalSession ??= Session.create(emitModel(buildEvalLossGraph(c.model, B, T)), opts);
      const session = await evalSession;
      const out = await session.run({ x: i32(x, [B, T]), y: i32(y, [B, T]), ...paramFeeds(params) }, ["loss"]);
      return Number(out.loss!.data[0]);
    },
    async dispose() {
      for (const t of trainers.values()) await (await t).release();
      if (evalSession) await (await evalSession).release();
    },
  };
}
