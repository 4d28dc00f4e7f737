#!/usr/bin/env bash
# One idempotent setup step, run by `bun run demo` and `bun run test` themselves: JS dependencies, Debian's
# chromium for the browser test (as root with apt), the onnxruntime-node CUDA provider where an NVIDIA GPU
# is present, the tokenizer's WASM build, and its Node-API addon where a native cargo is on PATH.
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

# Headless Chromium for the tokenizer's browser test (packages/tokenizer-rs/test/browser.test.ts, driven by
# puppeteer-core): Debian's package, installed once where we are root and apt exists; elsewhere that test
# skips with a message. The package index is refreshed only when the first try cannot find the package.
if [[ ! -x /usr/bin/chromium ]] && [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
  say "installing Debian's chromium for the tokenizer's browser test (apt-get)"
  apt_install() { DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium >&2; }
  apt_install || { apt-get update >&2 && apt_install; } ||
    say "warning: chromium could not be installed; the browser test will be skipped"
fi

# onnxruntime-node bundles the CPU runtime; its postinstall (blocked by bun) downloads the CUDA provider.
# Fetch it only where a GPU is present, and only once: first through onnxruntime-node's own installer (NuGet,
# the CUDA 12 build); where that feed is unreachable, from PyPI's onnxruntime-gpu of the same version (the CUDA
# 13 build), as the GPU kit does (scripts/gpu/ort-gpu-wheel.ts, install-ort-gpu.sh). `doctor` then checks the
# CUDA libraries the installed provider itself needs.
ort=$(bun -e 'console.log(require("path").dirname(require.resolve("onnxruntime-node/package.json", {paths:[require("path").resolve("packages/model")]})))')
if command -v nvidia-smi >/dev/null && nvidia-smi -L >/dev/null 2>&1; then
  bin=$(ls -d "$ort"/bin/napi-v*/linux/x64 2>/dev/null | head -n 1 || true) # none: skip, not exit (set -e)
  if [[ -n $bin && ! -f $bin/libonnxruntime_providers_cuda.so ]]; then
    say "NVIDIA GPU found: installing onnxruntime-node's CUDA provider (its installer: NuGet, CUDA 12)"
    js=$(command -v node || command -v bun)
    if ! (cd "$ort" && ONNXRUNTIME_NODE_INSTALL=cuda12 "$js" script/install) >&2; then
      say "NuGet unreachable: taking the provider from PyPI's onnxruntime-gpu of the same version (CUDA 13 build)"
      libs=.gpu-kit/ort-gpu
      bun scripts/gpu/ort-gpu-wheel.ts "$libs" >&2 && bash scripts/gpu/install-ort-gpu.sh "$libs" "$bin" >&2 ||
        say "warning: no CUDA provider could be installed; --device cuda will not work (CPU is fine). See: bun run cli doctor --try-cuda"
    fi
  fi
fi

bash packages/tokenizer-rs/scripts/build-wasm.sh

# The Node-API addon: the library and CLI use it when it loads (CS336_TOKENIZER_BACKEND=auto), `bun run
# tarball` packs it as @cs336-ts/tokenizer-linux-x64-gnu, and the native tests compare it with WASM. cargo
# rebuilds only what changed; without cargo, or if the build fails, everything runs on WASM and the
# native tests skip with a message.
if command -v cargo >/dev/null; then
  bash packages/tokenizer-rs/scripts/build-native.sh 2>/dev/null ||
    say "warning: the native tokenizer addon did not build (bash packages/tokenizer-rs/scripts/build-native.sh shows why); the tokenizer runs on WASM and the native tests will be skipped"
fi
