// PyPI's onnxruntime-gpu of the installed onnxruntime-node's version, the source of the CUDA provider where
// onnxruntime-node's own installer cannot reach its NuGet feed: the wheel (CPython 3.12, manylinux_2_28
// x86-64; downloaded once into .gpu-kit/cache) and the three libraries the CUDA path needs, unzipped from it.
// Used by kit.ts and by setup.sh; install-ort-gpu.sh puts the libraries beside the binding.
//   bun scripts/gpu/ort-gpu-wheel.ts DEST_DIR       (prints the extracted file names)
import { mkdirSync, readdirSync, readFileSync, realpathSync } from "node:fs";
import { join, resolve } from "node:path";

const root = resolve(import.meta.dir, "../..");
export const WHEEL_CACHE = join(root, ".gpu-kit", "cache");

function run(cmd: string[], what: string): string {
  const p = Bun.spawnSync(cmd, { cwd: root, stdout: "pipe", stderr: "pipe" });
  if (p.exitCode !== 0) throw new Error(`${what} failed (exit ${p.exitCode}): ${p.stderr.toString().slice(-800)}`);
  return p.stdout.toString();
}

/** onnxruntime-node's version as the model package resolves it: the wheel must be the same release. */
export function ortNodeVersion(): string {
  const dir = realpathSync(join(root, "packages/model/node_modules/onnxruntime-node"));
  return (JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { version: string }).version;
}

/** The wheel's path, downloading it with pip the first time. */
export function ortGpuWheel(version: string): string {
  mkdirSync(WHEEL_CACHE, { recursive: true });
  const find = () =>
    readdirSync(WHEEL_CACHE).find((f) => f.startsWith(`onnxruntime_gpu-${version}-`) && f.endsWith(".whl"));
  if (!find()) {
    console.error(`downloading onnxruntime-gpu ${version} from PyPI (~250 MB)`);
    const platform = ["--python-version", "3.12", "--platform", "manylinux_2_28_x86_64"];
    const pip = ["python3", "-m", "pip", "download", "--no-deps", "--only-binary=:all:", ...platform];
    run([...pip, "-d", WHEEL_CACHE, `onnxruntime-gpu==${version}`], "pip download");
  }
  return join(WHEEL_CACHE, find()!);
}

/** libonnxruntime.so.1.x and the CUDA provider with its shared helper, unzipped into `dest`. */
export function extractOrtGpu(wheel: string, dest: string): string[] {
  mkdirSync(dest, { recursive: true });
  const script = `
import re, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
want = re.compile(r"onnxruntime/capi/(libonnxruntime\\.so\\.1\\.[0-9.]+|libonnxruntime_providers_(cuda|shared)\\.so)$")
names = [n for n in z.namelist() if want.search(n)]
for n in names:
    with z.open(n) as src, open(sys.argv[2] + "/" + n.rsplit("/", 1)[1], "wb") as dst:
        while chunk := src.read(1 << 20):
            dst.write(chunk)
print("\\n".join(n.rsplit("/", 1)[1] for n in names))`;
  const names = run(["python3", "-c", script, wheel, dest], "wheel extraction").trim().split("\n");
  if (names.length !== 3) throw new Error(`${wheel}: expected 3 libraries, found ${names.join(", ")}`);
  return names;
}

if (import.meta.main) {
  const dest = process.argv[2];
  if (!dest) throw new Error("usage: bun scripts/gpu/ort-gpu-wheel.ts DEST_DIR");
  console.log(extractOrtGpu(ortGpuWheel(ortNodeVersion()), resolve(dest)).join("\n"));
}
