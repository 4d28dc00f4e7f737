// @cs336-ts/trainer/testing: stand-ins and internals that tests and benchmarks reach for and no command uses —
// an interrupt that fires on a condition, the run's seeded generator streams, greedy decoding's argmax.

export { manualInterrupt } from "./loop/interrupt.ts";
export { streamRng } from "./loop/train-loop.ts";
export { argmax } from "./inference/sample.ts";
