// Sizes a run cannot allocate are refused at setup with the flags to change, before any compile or write —
// never a bare "Out of memory" once the first batch is drawn.
import { expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { fixture, run } from "./support/loop-fixture.ts";

test("a graph run of more than 2^31 - 1 ids is refused with the flags that size it", async () => {
  const f = fixture({ maxSteps: 4 });
  await expect(run(f.preset, { batchSize: 2 ** 28, stepsPerRun: 2 }, null)).rejects.toThrow(
    /one graph run would hold 4\.29e\+9 token ids .*--batch-size 268435456 .*more than 2\^31 - 1; lower --batch-size or --steps-per-run/,
  );
  expect(existsSync(f.out)).toBe(false);
});
