#!/usr/bin/env bash
# Builds the crate to dist/tokenizer.wasm with whichever Rust→wasm32 toolchain this machine has:
# rustup with the wasm32-unknown-unknown target, else Debian's rustc-web + rust-web-src with build-std
# (installed here when running as root with apt). Skips the build when the sources' hash is unchanged.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
cd "$here"
out=dist/tokenizer.wasm
stamp=dist/.source-hash
hash=$(bash scripts/source-hash.sh)
if [[ -f $out && -f $stamp && "$(cat $stamp)" == "$hash" && "${1:-}" != "--force" ]]; then
  exit 0
fi
mkdir -p dist
target=wasm32-unknown-unknown
# Read whole, then matched: `rustup … | grep -q` under pipefail fails when grep exits at the wasm32 line and
# rustup's next line (x86_64-…) meets a closed pipe, sending an installed target down the Debian path.
installed=$(command -v rustup >/dev/null && rustup target list --installed 2>/dev/null || true)
if grep -qx "$target" <<<"$installed"; then
  echo "building tokenizer.wasm (rustup, $target)" >&2
  cargo build --release --target $target --target-dir target
else
  if [[ ! -x /usr/bin/cargo || ! -d /usr/lib/rustlib/src/rust/library ]] || ! command -v wasm-ld >/dev/null; then
    if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
      echo "installing Debian's rustc-web, cargo-web, rust-web-src and lld for the wasm build" >&2
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq rustc-web cargo-web rust-web-src lld >/dev/null
    else
      cat >&2 <<'MSG'
error: no Rust toolchain that can build wasm32-unknown-unknown was found.
Install one of:
  - rustup target add wasm32-unknown-unknown            (where rustup can download targets), or
  - apt-get install rustc-web cargo-web rust-web-src lld  (Debian 12; builds std from source)
then run `bun run setup` again.
MSG
      exit 1
    fi
  fi
  echo "building tokenizer.wasm (Debian rustc-web, build-std)" >&2
  # Debian's toolchain has no prebuilt wasm std; build-std compiles it from rust-web-src.
  RUSTC_BOOTSTRAP=1 RUSTC=/usr/bin/rustc CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_LINKER=wasm-ld \
    /usr/bin/cargo build --release --target $target --target-dir target -Zbuild-std=std,panic_abort
fi
cp "target/$target/release/cs336_tokenizer.wasm" "$out.tmp"
mv "$out.tmp" "$out"
echo "$hash" >"$stamp"
