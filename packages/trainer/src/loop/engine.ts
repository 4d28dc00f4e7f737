// What the training loop needs from a model backend, kept small so the loop is testable without ONNX:
// run k optimizer steps on k batches with k learning rates (one K-step graph run), and measure the loss of
// parameters on a batch. The ONNX Runtime backend lives in onnx-engine.ts; tests also use a host toy engine.
// Leaves out: how the backend keeps state on the device (the loop only sees host copies once per k steps).
import type { ParamMap, TrainState } from "@cs336-ts/model";
import type { RunConfig } from "../run/config.ts";

export type StepOutput = {
  /** Training loss of each of the k steps, measured before that step's update. */
  losses: Float32Array;
  /** Global gradient L2 norm of each step, before clipping. */
  gradNorms: Float32Array;
  /**
   * State after the k steps (a new object). The input state is never written into; the ONNX engine releases
   * it (its arrays detached) once the run succeeded if an earlier step returned it, so step from the newest.
   */
  state: TrainState;
};

export type TrainEngine = {
  /** k = lrs.length optimizer steps; x and y hold k batches laid out [k, B, T]. */
  step(state: TrainState, lrs: Float32Array, x: Int32Array, y: Int32Array): Promise<StepOutput>;
  /** Mean cross-entropy of `params` over one batch [B, T]. */
  evalLoss(params: ParamMap, x: Int32Array, y: Int32Array): Promise<number>;
  dispose?(): Promise<void> | void;
};

export type EngineFactory = (config: RunConfig) => Promise<TrainEngine>;
