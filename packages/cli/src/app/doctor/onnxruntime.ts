// The ONNX Runtime part of `doctor`: the installed onnxruntime-node version, whether its CUDA provider library
// and the system CUDA libraries it needs are present, and which execution providers actually work: a tiny
// graph (x + 1) is emitted and run on cpu and, where a GPU is present, on cuda through the runtime module.
// Leaves out: TensorRT and other providers onnxruntime-node does not ship for Linux.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { add, emitModel, Graph } from "@cs336-ts/model/graph";
import { type Device, Session } from "@cs336-ts/model/runtime";
import type { Check } from "./checks.ts";

const CUDA_INSTALL_FIX =
  "ONNXRUNTIME_NODE_INSTALL=cuda12 node node_modules/onnxruntime-node/script/install (or `bun run setup` on the GPU machine)";

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

/** Which of the CUDA 12 / cuDNN 9 shared libraries the dynamic loader can find (ldconfig's cache). */
function systemCudaLibraries(): { found: string[]; missing: string[] } {
  const wanted = ["libcudart.so.12", "libcublas.so.12", "libcublasLt.so.12", "libcufft.so.11", "libcudnn.so.9"];
  let cache = "";
  try {
    const p = Bun.spawnSync(["ldconfig", "-p"], { stdout: "pipe", stderr: "ignore" });
    if (p.exitCode === 0) cache = p.stdout.toString();
  } catch {
    // No ldconfig (e.g. a minimal container): only LD_LIBRARY_PATH is searched.
  }
  const paths = (process.env.LD_LIBRARY_PATH ?? "").split(":").filter((d) => d !== "");
  const found: string[] = [];
  const missing: string[] = [];
  for (const lib of wanted) {
    if (cache.includes(lib) || paths.some((d) => existsSync(join(d, lib)))) found.push(lib);
    else missing.push(lib);
  }
  return { found, missing };
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
  const sys = systemCudaLibraries();
  checks.push({
    section: "cuda",
    name: "provider library",
    status: provider ? "ok" : opts.tryCuda ? "fail" : "ok",
    detail: provider ?? "not installed (CPU-only install, the default)",
    ...(provider ? {} : { fix: CUDA_INSTALL_FIX }),
  });
  checks.push({
    section: "cuda",
    name: "system libraries",
    status: sys.missing.length === 0 ? "ok" : opts.tryCuda ? "warn" : "ok",
    detail:
      `${sys.found.length ? `found ${sys.found.join(", ")}` : "none found"}` +
      (sys.missing.length ? `; missing ${sys.missing.join(", ")}` : ""),
    ...(sys.missing.length && opts.tryCuda
      ? { fix: "install the CUDA 12 runtime and cuDNN 9 (or add their lib folders to LD_LIBRARY_PATH)" }
      : {}),
  });
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
    sessionCheck("cuda", "cuda provider", await trySession("cuda"), () =>
      provider ? "install the missing system libraries listed above" : CUDA_INSTALL_FIX,
    ),
  );
  return checks;
}
