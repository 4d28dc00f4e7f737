#!/usr/bin/env bash
# Installs PyPI onnxruntime-gpu's libraries beside onnxruntime-node's binding: the wheel's libonnxruntime.so.1.x
# replaces the binding's libonnxruntime.so.1 (same C API, so CPU sessions run unchanged) and the CUDA provider
# and its shared helper go next to it, where ORT looks for them. Used by setup.sh and the GPU kit.
#   bash scripts/gpu/install-ort-gpu.sh LIBS_DIR BINDING_DIR     (BINDING_DIR: …/bin/napi-v6/linux/x64)
set -euo pipefail
libs=${1:?usage: install-ort-gpu.sh LIBS_DIR BINDING_DIR}
bin=${2:?usage: install-ort-gpu.sh LIBS_DIR BINDING_DIR}
core=$(find "$libs" -maxdepth 1 -name 'libonnxruntime.so.1.*' | head -n 1)
[[ -n $core ]] || { echo "install-ort-gpu: no libonnxruntime.so.1.* in $libs" >&2; exit 1; }
for f in libonnxruntime_providers_cuda.so libonnxruntime_providers_shared.so; do
  [[ -f $libs/$f ]] || { echo "install-ort-gpu: $libs/$f missing" >&2; exit 1; }
done
[[ -f $bin/onnxruntime_binding.node ]] || { echo "install-ort-gpu: no onnxruntime_binding.node in $bin" >&2; exit 1; }
# Copy to a temporary name and rename: a half-copied core library would break CPU sessions too.
cp "$core" "$bin/.libonnxruntime.so.1.tmp" && mv -f "$bin/.libonnxruntime.so.1.tmp" "$bin/libonnxruntime.so.1"
cp "$libs/libonnxruntime_providers_cuda.so" "$libs/libonnxruntime_providers_shared.so" "$bin/"
echo "install-ort-gpu: $(basename "$core") and the CUDA provider installed in $bin"
