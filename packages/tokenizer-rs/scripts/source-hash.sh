#!/usr/bin/env bash
# Prints the sha256 of the crate's Rust sources (Cargo.toml and every src/**/*.rs, in path order): the identity
# the WASM build stamps into dist/.source-hash and the native build compiles into its addon, so the loader
# can tell an addon built from other sources than the WASM beside it (ts/native-load.ts). Sorted bytewise
# (LC_ALL=C): a locale's collation orders src/x.rs and src/x/y.rs differently, so the hash would change with
# the shell that runs the build.
set -euo pipefail
cd "$(dirname "$0")/.."
cat Cargo.toml $(find src -name '*.rs' | LC_ALL=C sort) | sha256sum | cut -d' ' -f1
