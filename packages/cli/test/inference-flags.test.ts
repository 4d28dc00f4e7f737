// The flags shared by the commands that run a model (eval, generate), checked at the boundary as a user meets
// them (a spawned CLI): a bad value is a usage error (exit 2, the command's help) naming the flag, before any
// checkpoint is read.
import { describe, expect, test } from "bun:test";
import { resolve } from "node:path";

const ROOT = resolve(import.meta.dir, "../../..");

function cli(...args: string[]) {
  const p = Bun.spawnSync(["bun", "packages/cli/src/main.ts", ...args], { cwd: ROOT });
  return { code: p.exitCode, out: p.stdout.toString(), err: p.stderr.toString() };
}

describe("model-running flags", () => {
  test("a negative --threads is refused by name, not blamed on the model by ONNX Runtime", () => {
    // It reached ONNX Runtime, whose refusal read "ONNX Runtime rejected the model: 'intraOpNumThreads' is
    // invalid: -1" (exit 2, no help), after the checkpoint was loaded.
    for (const cmd of [
      ["eval", "--data", "none.npy"],
      ["generate", "--prompt", "Once"],
    ]) {
      const r = cli(...cmd, "--checkpoint", "none.safetensors", "--threads", "-1");
      expect(r.code).toBe(2);
      expect(r.err).toStartWith("error: --threads must be >= 0 (0 = all cores), got -1\n");
      expect(r.err).toContain(`usage: bun run cli ${cmd[0]}`);
      expect(r.out).toBe("");
    }
  });
});
