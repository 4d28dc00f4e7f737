#!/usr/bin/env bash
# One idempotent setup step, run by `bun run demo` and `bun run test` themselves: JS dependencies, the
# onnxruntime-node CUDA provider where an NVIDIA GPU is present, and the tokenizer's WASM build.
# A second run with nothing changed takes well under a second.
set -euo pipefail
cd "$(dirname "$0")/.."
say() { [[ "${1:-}" == "" ]] || echo "setup: $*" >&2; }

if ! command -v bun >/dev/null; then
  echo "setup: bun is not installed. Install it with 'npm install -g bun' (or see https://bun.sh), then rerun." >&2
  exit 1
fi

# JS dependencies: reinstall only when the lockfile or a package.json changed since the last install.
stamp=node_modules/.setup-stamp
if [[ ! -f $stamp ]] || [[ -n "$(find bun.lock package.json packages/*/package.json -newer $stamp 2>/dev/null)" ]]; then
  say "installing JS dependencies (bun install)"
  bun install --frozen-lockfile >&2
  touch $stamp
fi

# onnxruntime-node bundles the CPU runtime; its postinstall (blocked by bun) downloads the CUDA provider.
# Fetch it only where a GPU is present, and only once.
ort=$(bun -e 'console.log(require("path").dirname(require.resolve("onnxruntime-node/package.json", {paths:[require("path").resolve("packages/model")]})))')
if command -v nvidia-smi >/dev/null && nvidia-smi -L >/dev/null 2>&1; then
  if ! ls "$ort"/bin/napi-v*/linux/*/libonnxruntime_providers_cuda.so >/dev/null 2>&1; then
    say "NVIDIA GPU found: installing onnxruntime-node's CUDA 12 provider"
    (cd "$ort" && ONNXRUNTIME_NODE_INSTALL=cuda12 node script/install) >&2 ||
      say "warning: CUDA provider download failed; --device cuda will not work (CPU is fine). Retry: cd $ort && ONNXRUNTIME_NODE_INSTALL=cuda12 node script/install"
  fi
fi

bash packages/tokenizer-rs/scripts/build-wasm.sh
