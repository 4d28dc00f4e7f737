// Builds the GPU kit: everything a GPU machine with no bun, no node and no network needs to run this repository's
// training there, in ≤ 60 MiB parts that the device calls carry one at a time (.gpu-kit/call-1 … call-N).
// Contents: the bun executable, the runtime npm packages (kit-files.ts), the tokenizer's WASM, PyPI's
// onnxruntime-gpu libraries of the installed onnxruntime-node's version, and the data plus CPU reference of
// kit-data.ts. The repository's own sources are not in it: each device call copies the working tree.
//   bun scripts/gpu/kit.ts [--text-dir ../shared/data] [--part-mib 60] [--level -9e]
// Then, on a CPU: bash scripts/gpu/check-kit-cpu.sh; on the GPU: the calls it prints.
import { copyFileSync, existsSync, mkdirSync, realpathSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { MATCH, stageData } from "./kit-data.ts";
import { stageNodeModules } from "./kit-files.ts";
import { packKit, sha256File } from "./kit-parts.ts";
import { extractOrtGpu, ortGpuWheel, ortNodeVersion, WHEEL_CACHE } from "./ort-gpu-wheel.ts";

const { values: args } = parseArgs({
  options: {
    "text-dir": { type: "string" },
    "part-mib": { type: "string", default: "60" },
    level: { type: "string", default: "-9e" },
  },
});
const root = resolve(import.meta.dir, "../..");
const kitDir = join(root, ".gpu-kit");
const cache = WHEEL_CACHE;
const stage = join(kitDir, "stage");
const textDir = resolve(args["text-dir"] ?? join(root, "..", "shared", "data"));
const MiB = 1 << 20;

function run(cmd: string[], what: string): string {
  const p = Bun.spawnSync(cmd, { cwd: root, stdout: "pipe", stderr: "pipe" });
  if (p.exitCode !== 0) throw new Error(`${what} failed (exit ${p.exitCode}): ${p.stderr.toString().slice(-800)}`);
  return p.stdout.toString();
}

rmSync(stage, { recursive: true, force: true });
mkdirSync(join(stage, "bin"), { recursive: true });
const version = ortNodeVersion();
const whl = ortGpuWheel(version);
const libs = extractOrtGpu(whl, join(stage, "ort-gpu"));
const bunExe = realpathSync(process.execPath);
copyFileSync(bunExe, join(stage, "bin", "bun"));
Bun.spawnSync(["chmod", "+x", join(stage, "bin", "bun")]);
const packages = stageNodeModules(root, stage);
writeFileSync(join(stage, "bun.lock.sha256"), `${sha256File(join(root, "bun.lock"))}\n`);
// The WASM must match this tree's Rust sources (the build is a no-op when it already does).
run(["bash", "packages/tokenizer-rs/scripts/build-wasm.sh"], "the tokenizer's WASM build");
const wasmDir = join(root, "packages/tokenizer-rs/dist");
mkdirSync(join(stage, "tokenizer-dist"));
for (const f of ["tokenizer.wasm", ".source-hash"]) {
  if (existsSync(join(wasmDir, f))) copyFileSync(join(wasmDir, f), join(stage, "tokenizer-dist", f));
}
const reference = stageData(root, stage, cache, textDir);

const manifest = {
  format: "cs336-gpu-kit/1",
  created: new Date().toISOString(),
  commit: run(["git", "rev-parse", "HEAD"], "git").trim(),
  onnxruntime: { node: version, wheel: whl.split("/").at(-1), libraries: libs },
  bun: { version: Bun.version, from: bunExe },
  packages: packages.map((p) => `${p.name}@${p.version}`),
  match: { ...MATCH, referenceLosses: reference.losses.slice(0, MATCH.steps) },
};
writeFileSync(join(stage, "kit.json"), `${JSON.stringify(manifest, null, 2)}\n`);
console.log(`staged ${stage}; compressing (xz ${args.level}, a few minutes on 2 cores)`);
const packed = packKit(stage, kitDir, { partBytes: Number(args["part-mib"]) * MiB, level: args.level!, manifest });

// A device call carries the working tree too (tracked and untracked-not-ignored files), 64 MiB in all.
const tree = run(["git", "ls-files", "-co", "--exclude-standard", "-z"], "git ls-files")
  .split("\0")
  .filter((f) => f && existsSync(join(root, f)))
  .reduce((n, f) => n + statSync(join(root, f)).size, 0);
console.log(
  `\narchive ${(packed.archiveBytes / MiB).toFixed(1)} MiB in ${packed.parts.length} parts; working tree ${(tree / MiB).toFixed(1)} MiB`,
);
for (const [i, p] of packed.parts.entries()) {
  const total = (p.bytes + tree) / MiB;
  console.log(
    `  call-${i + 1}: ${p.name} ${(p.bytes / MiB).toFixed(1)} MiB + tree = ${total.toFixed(1)} MiB${total > 63.5 ? "  TOO BIG: lower --part-mib" : ""}`,
  );
}
const n = packed.parts.length;
console.log("\nGPU calls, each issued as soon as the previous one returns (the machine stays warm ~30 s):");
for (let i = 1; i < n; i++)
  console.log(
    `  ${i}. carry [".gpu-kit/call-${i}"], timeout_s ${i === 1 ? 180 : 120}: bash scripts/gpu/stash-part.sh .gpu-kit/call-${i}`,
  );
console.log(`  ${n}. carry [".gpu-kit/call-${n}"], timeout_s 540: bash scripts/gpu/run-on-gpu.sh .gpu-kit/call-${n}`);
console.log(`\nCPU check first: bash scripts/gpu/check-kit-cpu.sh (${dirname(stage)})`);
