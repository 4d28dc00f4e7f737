// The ONNX Runtime part of `doctor`: the installed onnxruntime-node version, whether its CUDA provider library
// and the libraries that provider needs (read from its ELF headers) are present, and which execution providers
// actually work: a tiny graph (x + 1) on cpu and, where a GPU is present, two steps of the real training graph
// (on a tiny model) on cuda, through the runtime module.
// Leaves out: TensorRT and other providers onnxruntime-node does not ship for Linux.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { createTrainer, initParameters, initTrainState, Rng, resolveModelConfig } from "@cs336-ts/model";
import { add, emitModel, Graph } from "@cs336-ts/model/graph";
import { type Device, Session } from "@cs336-ts/model/runtime";
import type { Check } from "./checks.ts";
import { readElfDynamic } from "./elf.ts";

const CUDA_INSTALL_FIX =
  "`bun run setup` on the GPU machine (onnxruntime-node's installer: ONNXRUNTIME_NODE_INSTALL=cuda12 node " +
  "node_modules/onnxruntime-node/script/install; where NuGet is unreachable, PyPI's onnxruntime-gpu of the same version)";

/** onnxruntime-node's folder as the model package resolves it. */
function ortPackageDir(): string | null {
  try {
    const req = createRequire(import.meta.resolve("@cs336-ts/model"));
    return dirname(req.resolve("onnxruntime-node/package.json"));
  } catch {
    return null;
  }
}

/** The CUDA provider library onnxruntime-node's install script downloads, when present. */
function cudaProviderLibrary(dir: string): string | null {
  const bin = join(dir, "bin");
  if (!existsSync(bin)) return null;
  for (const napi of readdirSync(bin)) {
    const lib = join(bin, napi, process.platform, process.arch, "libonnxruntime_providers_cuda.so");
    if (existsSync(lib)) return lib;
  }
  return null;
}

/** The C runtime every Linux process already has: not worth listing among the provider's needs. */
const C_RUNTIME = /^(libc|libm|libdl|librt|libpthread|libstdc\+\+|libgcc_s|ld-linux[\w-]*)\.so/;

/**
 * The libraries the installed provider itself needs (its DT_NEEDED entries: CUDA 12 names for NuGet's build,
 * CUDA 13 for PyPI's 1.30), each found or not where the loader looks: the provider's RUNPATH, LD_LIBRARY_PATH,
 * ldconfig's cache, the default folders. cuDNN and cuFFT are opened later, only when a graph uses them.
 */
export function providerLibraries(provider: string): { found: string[]; missing: string[]; cudaMajor: string | null } {
  const elf = readElfDynamic(provider);
  let cache = "";
  try {
    const p = Bun.spawnSync(["ldconfig", "-p"], { stdout: "pipe", stderr: "ignore" });
    if (p.exitCode === 0) cache = p.stdout.toString();
  } catch {
    // No ldconfig (e.g. a minimal container): only the folders below are searched.
  }
  const dirs = [
    ...elf.runpath.map((d) => d.replace("$ORIGIN", dirname(provider))),
    ...(process.env.LD_LIBRARY_PATH ?? "").split(":"),
    ...[
      "/lib",
      "/usr/lib",
      "/lib64",
      "/usr/lib64",
      `/usr/lib/${process.arch === "x64" ? "x86_64" : "aarch64"}-linux-gnu`,
    ],
  ].filter((d) => d !== "");
  const found: string[] = [];
  const missing: string[] = [];
  for (const lib of elf.needed.filter((l) => !C_RUNTIME.test(l))) {
    if (cache.includes(`${lib} `) || dirs.some((d) => existsSync(join(d, lib)))) found.push(lib);
    else missing.push(lib);
  }
  const cudaMajor =
    /^libcudart\.so\.(\d+)/.exec(elf.needed.find((l) => l.startsWith("libcudart.so.")) ?? "")?.[1] ?? null;
  return { found, missing, cudaMajor };
}

type SessionAttempt = { ok: true; ms: number } | { ok: false; error: string };

async function trySession(device: Device): Promise<SessionAttempt> {
  const started = performance.now();
  try {
    const g = new Graph("doctor");
    g.output("y", add(g.input("x", "float32", [2]), 1));
    const session = await Session.create(emitModel(g), { device });
    try {
      const out = await session.run({ x: { dtype: "float32", shape: [2], data: Float32Array.of(1, 2) } });
      const y = out.y?.data;
      if (y?.[0] !== 2 || y[1] !== 3) return { ok: false, error: `wrong result ${y ? [...y] : "none"}` };
    } finally {
      await session.release();
    }
    return { ok: true, ms: performance.now() - started };
  } catch (e) {
    return { ok: false, error: e instanceof Error ? e.message : String(e) };
  }
}

/** Two optimizer steps of the real training graph (Loop, autodiff, AdamW) on a tiny model: what `train` runs. */
async function tryTrainingStep(device: Device): Promise<SessionAttempt> {
  const started = performance.now();
  try {
    const config = resolveModelConfig({
      vocabSize: 64,
      contextLength: 8,
      dModel: 16,
      numLayers: 1,
      numHeads: 2,
      dFf: 32,
    });
    const hp = { beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.1, maxGradNorm: 1 };
    const trainer = await createTrainer(config, hp, { k: 2, batch: 2, device });
    try {
      const ids = Int32Array.from({ length: 2 * 2 * 8 }, (_, i) => (i * 7) % 64);
      const state = initTrainState(initParameters(config, Rng.seeded(0)));
      const { losses } = await trainer.step(state, [1e-3, 1e-3], ids, ids);
      if (!losses.every(Number.isFinite)) return { ok: false, error: `training step gave losses ${[...losses]}` };
    } finally {
      await trainer.release();
    }
    return { ok: true, ms: performance.now() - started };
  } catch (e) {
    return { ok: false, error: e instanceof Error ? e.message : String(e) };
  }
}

/** A provider's check from its session attempt; the runtime's error is cut to 400 characters. */
function sessionCheck(section: string, name: string, r: SessionAttempt, fix: () => string): Check {
  return r.ok
    ? { section, name, status: "ok", detail: `session runs (${r.ms.toFixed(0)} ms)` }
    : { section, name, status: "fail", detail: r.error.slice(0, 400), fix: fix() };
}

export async function probeOnnxRuntime(opts: { tryCuda: boolean }): Promise<Check[]> {
  const checks: Check[] = [];
  const dir = ortPackageDir();
  const version = dir
    ? (JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { version: string }).version
    : null;
  checks.push(
    version
      ? { section: "onnxruntime", name: "onnxruntime-node", status: "ok", detail: `${version} (${dir})` }
      : {
          section: "onnxruntime",
          name: "onnxruntime-node",
          status: "fail",
          detail: "not installed",
          fix: "run `bun install` at the repository root",
        },
  );
  if (!version) return checks;

  checks.push(
    sessionCheck(
      "onnxruntime",
      "cpu provider",
      await trySession("cpu"),
      () => "reinstall dependencies: `rm -rf node_modules && bun install`",
    ),
  );

  const provider = dir ? cudaProviderLibrary(dir) : null;
  const sys = provider ? providerLibraries(provider) : null;
  checks.push({
    section: "cuda",
    name: "provider library",
    status: provider ? "ok" : opts.tryCuda ? "fail" : "ok",
    detail: provider ?? "not installed (CPU-only install, the default)",
    ...(provider ? {} : { fix: CUDA_INSTALL_FIX }),
  });
  checks.push(
    !sys
      ? {
          section: "cuda",
          name: "provider's libraries",
          status: "ok",
          detail: "no provider installed: nothing to check",
        }
      : {
          section: "cuda",
          name: "provider's libraries",
          status: sys.missing.length === 0 ? "ok" : opts.tryCuda ? "warn" : "ok",
          detail:
            `${sys.found.length ? `found ${sys.found.join(", ")}` : "none found"}` +
            (sys.missing.length ? `; missing ${sys.missing.join(", ")}` : ""),
          ...(sys.missing.length && opts.tryCuda
            ? {
                fix:
                  `install the CUDA ${sys.cudaMajor ?? ""} libraries this provider was built for, or add their folders to ` +
                  "LD_LIBRARY_PATH (PyTorch's NVIDIA wheels hold them: site-packages/nvidia/*/lib)",
              }
            : {}),
        },
  );
  if (!opts.tryCuda) {
    checks.push({
      section: "cuda",
      name: "cuda provider",
      status: "ok",
      detail: "skipped: no NVIDIA GPU found (--try-cuda tries anyway)",
    });
    return checks;
  }
  checks.push(
    sessionCheck("cuda", "cuda provider", await tryTrainingStep("cuda"), () =>
      provider ? "install the missing system libraries listed above" : CUDA_INSTALL_FIX,
    ),
  );
  return checks;
}
