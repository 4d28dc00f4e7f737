// `doctor`: what this machine can run, each line a check with ok / warn / fail and, when not ok, the fix.
// Covers the JS runtime, cores and memory, the tokenizer's WASM build (present, size, sha256, instantiates)
// and which tokenizer backend runs (the native addon or WASM, and why), ONNX Runtime (version, execution
// providers that actually create a session: onnxruntime.ts) and nvidia-smi. CPU working (WASM loads, a
// CPU session runs) is what makes the report healthy; CUDA is optional.
import { createHash } from "node:crypto";
import { existsSync, readFileSync, statSync } from "node:fs";
import { cpus, freemem, totalmem } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type BackendInfo, tokenizerBackend } from "@cs336-ts/tokenizer";
import { probeOnnxRuntime } from "./onnxruntime.ts";

export type CheckStatus = "ok" | "warn" | "fail";
export type Check = { section: string; name: string; status: CheckStatus; detail: string; fix?: string };

/** `tokenizerBackend` is null when CS336_TOKENIZER_BACKEND names no usable backend (its check fails). */
export type DoctorReport = { checks: Check[]; healthy: boolean; tokenizerBackend: BackendInfo | null };

export type DoctorOptions = {
  /** Also try a CUDA session even without nvidia-smi (the probe is skipped on machines with no GPU). */
  forceCuda?: boolean;
};

export async function runDoctor(opts: DoctorOptions = {}): Promise<DoctorReport> {
  const backend = backendCheck();
  const checks: Check[] = [...runtimeChecks(), ...machineChecks(), ...(await wasmChecks()), backend.check];
  const gpu = nvidiaSmi();
  checks.push(gpu.check);
  checks.push(...(await probeOnnxRuntime({ tryCuda: gpu.present || opts.forceCuda === true })));
  // CUDA is optional: only failures outside the CUDA lines make the machine unhealthy.
  const healthy = checks.every((c) => c.status !== "fail" || c.section === "cuda");
  return { checks, healthy, tokenizerBackend: backend.info };
}

function runtimeChecks(): Check[] {
  const bun = process.versions.bun;
  const name = bun ? `Bun ${bun}` : `Node ${process.versions.node}`;
  const out: Check[] = [
    {
      section: "runtime",
      name: "JavaScript runtime",
      status: "ok",
      detail: `${name} (Node compat ${process.versions.node}), ${process.platform}-${process.arch}`,
    },
  ];
  if (bun && compareVersions(bun, "1.2.0") < 0) {
    out[0] = { ...(out[0] as Check), status: "warn", fix: "upgrade Bun to 1.2 or newer: `bun upgrade`" };
  }
  return out;
}

function machineChecks(): Check[] {
  const cores = cpus();
  const model = cores[0]?.model.trim() ?? "unknown CPU";
  const gib = (n: number) => `${(n / 2 ** 30).toFixed(1)} GiB`;
  return [
    { section: "machine", name: "CPU", status: "ok", detail: `${cores.length} logical cores (${model})` },
    { section: "machine", name: "memory", status: "ok", detail: `${gib(totalmem())} total, ${gib(freemem())} free` },
  ];
}

/** The tokenizer package's dist/tokenizer.wasm, found next to its entry point. */
export function wasmPath(): string {
  const entry = fileURLToPath(import.meta.resolve("@cs336-ts/tokenizer"));
  return join(dirname(entry), "..", "dist", "tokenizer.wasm");
}

async function wasmChecks(): Promise<Check[]> {
  const path = wasmPath();
  const build = "build it with `bash packages/tokenizer-rs/scripts/build-wasm.sh` (or `bun run setup`)";
  if (!existsSync(path)) {
    return [{ section: "wasm", name: "tokenizer.wasm", status: "fail", detail: `missing: ${path}`, fix: build }];
  }
  const bytes = readFileSync(path);
  const sha = createHash("sha256").update(bytes).digest("hex");
  const built = statSync(path)
    .mtime.toISOString()
    .replace(/\.\d+Z$/, "Z");
  const checks: Check[] = [
    {
      section: "wasm",
      name: "tokenizer.wasm",
      status: "ok",
      detail: `${path} (${(bytes.length / 1024).toFixed(0)} KiB, sha256 ${sha.slice(0, 16)}…, built ${built})`,
    },
  ];
  try {
    const { instance } = await WebAssembly.instantiate(bytes, {});
    const exports = Object.keys(instance.exports).length;
    checks.push({ section: "wasm", name: "instantiates", status: "ok", detail: `${exports} exports` });
  } catch (e) {
    checks.push({
      section: "wasm",
      name: "instantiates",
      status: "fail",
      detail: (e as Error).message,
      fix: `rebuild: ${build}`,
    });
  }
  return checks;
}

const NATIVE_BUILD = "bash packages/tokenizer-rs/scripts/build-native.sh";

/** Which tokenizer backend the library and the CLI commands use in this environment, and why. */
function backendCheck(): { info: BackendInfo | null; check: Check } {
  const base = { section: "tokenizer", name: "backend" };
  try {
    const info = tokenizerBackend();
    const detail = `${info.backend} (${info.detail})`;
    if (info.loadError !== undefined) {
      const fix = `rebuild it: \`${NATIVE_BUILD}\` (or set CS336_TOKENIZER_BACKEND=wasm to use WASM on purpose)`;
      return { info, check: { ...base, status: "warn", detail, fix } };
    }
    return { info, check: { ...base, status: "ok", detail } };
  } catch (e) {
    const fix = `set CS336_TOKENIZER_BACKEND to auto, native or wasm (native needs \`${NATIVE_BUILD}\`)`;
    return { info: null, check: { ...base, status: "fail", detail: (e as Error).message, fix } };
  }
}

function nvidiaSmi(): { present: boolean; check: Check } {
  const which = Bun.which("nvidia-smi");
  if (!which) {
    return {
      present: false,
      check: { section: "gpu", name: "nvidia-smi", status: "ok", detail: "not found (no NVIDIA GPU; CPU only)" },
    };
  }
  const p = Bun.spawnSync([which, "--query-gpu=name,memory.total,driver_version", "--format=csv,noheader"], {
    stdout: "pipe",
    stderr: "pipe",
  });
  const text = p.stdout.toString().trim();
  if (p.exitCode !== 0 || text === "") {
    return {
      present: false,
      check: {
        section: "gpu",
        name: "nvidia-smi",
        status: "warn",
        detail: `present but failed: ${p.stderr.toString().trim() || `exit ${p.exitCode}`}`,
        fix: "check the NVIDIA driver installation (nvidia-smi must list the GPU)",
      },
    };
  }
  return {
    present: true,
    check: { section: "gpu", name: "nvidia-smi", status: "ok", detail: text.replace(/\n/g, "; ") },
  };
}

export function compareVersions(a: string, b: string): number {
  const pa = a.split(/[.-]/).map((x) => Number.parseInt(x, 10) || 0);
  const pb = b.split(/[.-]/).map((x) => Number.parseInt(x, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  return 0;
}

/** The report as aligned text lines, fixes indented under their check. */
export function formatReport(report: Pick<DoctorReport, "checks" | "healthy">): string {
  const mark: Record<CheckStatus, string> = { ok: "ok  ", warn: "warn", fail: "FAIL" };
  const width = Math.max(...report.checks.map((c) => `${c.section}: ${c.name}`.length)) + 2;
  const lines = report.checks.map((c) => {
    const head = `[${mark[c.status]}] ${`${c.section}: ${c.name}`.padEnd(width)}${c.detail}`;
    return c.fix ? `${head}\n       fix: ${c.fix}` : head;
  });
  lines.push(
    report.healthy
      ? "\nCPU training and inference will work."
      : "\nSomething CPU-side is broken: see the FAIL lines above.",
  );
  return `${lines.join("\n")}\n`;
}
