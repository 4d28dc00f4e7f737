#!/usr/bin/env bash
# The GPU kit's last call: stashes the part it carried, reassembles and checks the kit (reassemble.sh), installs
# it into this repository copy (node_modules, the tokenizer's WASM, onnxruntime-gpu's libraries beside the
# binding), points LD_LIBRARY_PATH at the CUDA libraries of the machine's python (site-packages/nvidia/*/lib),
# then runs gpu-run.ts. Everything it measures lands in $OUT (run.log, summary.md, results.json, details.tar.gz).
#   bash scripts/gpu/run-on-gpu.sh .gpu-kit/call-N [--cpu-check]    (--cpu-check: the same chain on the CPU)
set -uo pipefail
call=${1:?usage: run-on-gpu.sh CALL_DIR [--cpu-check]}
mode=${2:-}
out=${OUT:-$(pwd)/.gpu-kit/out}
stash=${CS336_KIT_STASH:-/tmp/cs336-kit}
kit=$stash/tree
mkdir -p "$out"
exec > >(tee -a "$out/run.log") 2>&1
t0=$(date +%s)
say() { echo "run-on-gpu [$(($(date +%s) - t0)) s]: $*"; }

bash scripts/gpu/stash-part.sh "$call" || exit 1
sum=$(awk '$2 == "kit.tar.xz" { print $1 }' "$stash/SHA256SUMS")
if [[ "$(cat "$kit/.reassembled" 2>/dev/null)" != "$sum" ]]; then
  bash scripts/gpu/reassemble.sh "$stash" "$kit" || exit 1
  echo "$sum" > "$kit/.reassembled"
fi
say "kit ready: $(grep -c . "$kit/FILES.sha256") files"
# The kit's WASM and node_modules are snapshots: say so when this tree's sources or lockfile moved on since.
wasm_src=$(bash packages/tokenizer-rs/scripts/source-hash.sh)
[[ $wasm_src == "$(cat "$kit/tokenizer-dist/.source-hash" 2>/dev/null)" ]] ||
  say "warning: the tokenizer's Rust sources changed since the kit was built (its WASM is older); rebuild the kit if tokenizer code fails"
[[ "$(sha256sum bun.lock | cut -d' ' -f1)" == "$(cat "$kit/bun.lock.sha256" 2>/dev/null)" ]] ||
  say "warning: bun.lock changed since the kit was built; rebuild the kit if an import fails"

rm -rf node_modules && cp -a "$kit/node_modules" node_modules
mkdir -p packages/tokenizer-rs/dist && cp -a "$kit/tokenizer-dist/." packages/tokenizer-rs/dist/
bash scripts/gpu/install-ort-gpu.sh "$kit/ort-gpu" node_modules/onnxruntime-node/bin/napi-v6/linux/x64 || exit 1
export PATH="$kit/bin:$PATH"
say "bun $(bun --version), node_modules and onnxruntime-gpu installed"

if [[ $mode != --cpu-check ]]; then
  # The CUDA libraries the provider needs (cuBLAS, cuBLASLt, cuRAND, cudart; cuDNN when used) come with the
  # machine's PyTorch as NVIDIA's wheels: every lib folder under the python's nvidia namespace package.
  nvlibs=$(python3 -c '
import importlib.util, os
spec = importlib.util.find_spec("nvidia")
dirs = set()
for base in (spec.submodule_search_locations if spec else []):
    for root, _, files in os.walk(base):
        if os.path.basename(root) in ("lib", "lib64") and any(".so" in f for f in files):
            dirs.add(root)
print(":".join(sorted(dirs)))' 2>/dev/null)
  [[ -d /usr/local/cuda/lib64 ]] && nvlibs="${nvlibs:+$nvlibs:}/usr/local/cuda/lib64"
  export LD_LIBRARY_PATH="${nvlibs}${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  say "LD_LIBRARY_PATH=$LD_LIBRARY_PATH"
  nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true
  ldd node_modules/onnxruntime-node/bin/napi-v6/linux/x64/libonnxruntime_providers_cuda.so | grep -E 'not found|cublas|cudart|curand|libcuda' || true
fi
bun scripts/gpu/gpu-run.ts --kit "$kit" --out "$out" --budget-s "${CS336_GPU_BUDGET_S:-360}" ${mode:+--cpu-check}
code=$?
say "done (exit $code)"
exit $code
