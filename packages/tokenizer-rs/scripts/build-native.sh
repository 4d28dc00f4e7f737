#!/usr/bin/env bash
# Builds the Node-API addon (cargo feature `napi`, src/napi/) with the native stable toolchain and only the
# crate registry (napi, napi-derive; no build-time downloads) and copies it to
# native/tokenizer.<platform>.node, where ts/native-load.ts and test/native.test.ts find it. scripts/setup.sh
# runs it when cargo is present; without it the package runs on WASM.
set -euo pipefail
cd "$(dirname "$0")/.."
case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) platform=linux-x64-gnu lib=libcs336_tokenizer.so ;;
  Linux-aarch64) platform=linux-arm64-gnu lib=libcs336_tokenizer.so ;;
  *) echo "build-native.sh: no Node-API build for $(uname -s)-$(uname -m) yet" >&2; exit 1 ;;
esac
# Its own target dir: the feature's build would otherwise replace the featureless cdylib in target/release.
# The sources' identity, compiled in (coreSourceHash): the loader refuses an addon whose sources differ from
# the WASM module's (dist/.source-hash), e.g. one left behind by a build that failed after a change.
# (Its own line, so that a failing hash stops the script instead of compiling an addon the loader refuses.)
hash=$(bash scripts/source-hash.sh)
CS336_CORE_SOURCE_HASH=$hash cargo build --release --features napi --target-dir target/napi
# Replaced only when cargo produced a different file: a second run with nothing changed writes nothing.
addon=native/tokenizer.$platform.node
if cmp -s "target/napi/release/$lib" "$addon"; then exit 0; fi
mkdir -p native
cp "target/napi/release/$lib" "$addon.tmp"
mv "$addon.tmp" "$addon"
echo "built $addon" >&2
