// The PyTorch side of the benches: a throwaway venv under .cache/ with PyPI's torch and numpy (created on first
// use; TORCH_PYTHON names another interpreter that has them), long-lived worker processes (Python, or ours in
// a bun child so that each side's peak RSS is its own) that answer one JSON line per request, and our weights
// written where the Python side can read them. When torch cannot be installed the caller gets null and a
// message, and skips the comparison.
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { type ParamMap, type SafeTensor, writeSafetensors } from "@cs336-ts/model";

const REPO = resolve(import.meta.dir, "../..");
export const TORCH_DIR = import.meta.dir;
export const BENCH_CACHE = join(REPO, ".cache", "torch-bench");
const VENV = join(REPO, ".cache", "torch-venv");

const works = (python: string) =>
  Bun.spawnSync([python, "-c", "import torch, numpy"], { stdout: "ignore", stderr: "ignore" }).exitCode === 0;

/** A Python with torch and numpy, installing them into .cache/torch-venv if needed; null (with why) if not. */
export function torchPython(log: (line: string) => void = console.error): string | null {
  const given = process.env.TORCH_PYTHON;
  if (given) {
    if (works(given)) return given;
    log(`TORCH_PYTHON=${given} cannot import torch and numpy; skipping the PyTorch comparison`);
    return null;
  }
  const python = join(VENV, "bin", "python");
  if (existsSync(python) && works(python)) return python;
  log(`installing PyPI torch and numpy into ${VENV} (once; about 5 GB with its CUDA libraries, some minutes)`);
  const steps = [
    ["python3", "-m", "venv", VENV],
    [python, "-m", "pip", "install", "--quiet", "--progress-bar", "off", "torch", "numpy"],
  ];
  for (const cmd of steps) {
    const r = Bun.spawnSync(cmd, { stdout: "inherit", stderr: "inherit" });
    if (r.exitCode !== 0) {
      log(`\`${cmd.join(" ")}\` failed (exit ${r.exitCode}); skipping the PyTorch comparison`);
      return null;
    }
  }
  if (works(python)) return python;
  log("torch installed but does not import; skipping the PyTorch comparison");
  return null;
}

/** A child process run as a worker: one JSON request line in, one JSON reply line out. */
export class LineWorker {
  private buffered = "";
  private readonly chunks: AsyncIterator<Uint8Array>;
  private readonly decoder = new TextDecoder();

  private constructor(private readonly proc: Bun.Subprocess<"pipe", "pipe", "inherit">) {
    this.chunks = proc.stdout[Symbol.asyncIterator]();
  }

  /** Starts `cmd` and waits for its first line (its "ready" message). */
  static async start(cmd: string[]): Promise<{ worker: LineWorker; ready: Record<string, unknown> }> {
    const proc = Bun.spawn(cmd, {
      stdin: "pipe",
      stdout: "pipe",
      stderr: "inherit",
      cwd: TORCH_DIR,
      env: { ...process.env, PYTHONUNBUFFERED: "1" },
    });
    const worker = new LineWorker(proc);
    return { worker, ready: (await worker.readLine()) as Record<string, unknown> };
  }

  async request(message: unknown): Promise<Record<string, unknown>> {
    this.proc.stdin.write(`${JSON.stringify(message)}\n`);
    await this.proc.stdin.flush();
    return (await this.readLine()) as Record<string, unknown>;
  }

  private async readLine(): Promise<unknown> {
    for (;;) {
      const nl = this.buffered.indexOf("\n");
      if (nl >= 0) {
        const line = this.buffered.slice(0, nl);
        this.buffered = this.buffered.slice(nl + 1);
        return JSON.parse(line);
      }
      const { value, done } = await this.chunks.next();
      if (done) throw new Error(`worker exited (code ${await this.proc.exited}) before replying`);
      this.buffered += this.decoder.decode(value, { stream: true });
    }
  }

  async close(): Promise<void> {
    this.proc.stdin.end();
    await this.proc.exited;
  }
}

/** Writes `params` as a float32 safetensors file (names as in our checkpoints) and returns its path. */
export function writeWeights(path: string, params: ParamMap): string {
  mkdirSync(resolve(path, ".."), { recursive: true });
  const tensors = Object.entries(params).map(([name, t]): [string, SafeTensor] => [
    name,
    { dtype: "F32", shape: t.shape, data: t.data },
  ]);
  writeFileSync(path, writeSafetensors(tensors));
  return path;
}
