// How many Workers one call may start, shared by the Node and the Web Worker spawners. node:os is the
// one Node import here; the browser build maps its availableParallelism to navigator.hardwareConcurrency.
import { availableParallelism } from "node:os";

/** The most Workers one call may start: 4 per CPU, at most 256 (each holds a WASM instance and buffers). */
export function maxWorkers(): number {
  return Math.min(256, 4 * availableParallelism());
}

/** Refuses a Worker count that is not a whole number from 0 to maxWorkers(), saying why. */
export function checkWorkers(workers: number): void {
  if (!Number.isInteger(workers) || workers < 0) {
    throw new RangeError(`workers must be a non-negative integer, got ${workers}`);
  }
  const max = maxWorkers();
  if (workers > max) {
    throw new RangeError(
      `workers must be at most ${max} (4 per CPU, ${availableParallelism()} CPUs here, never above 256), ` +
        `got ${workers}: Workers beyond the CPUs only add memory, each holding its own WASM instance`,
    );
  }
}
