#!/usr/bin/env bash
# The project's test command (README): setup, then every check — Rust format/lint/unit tests (native),
# TypeScript type-check, Biome lint/format, and `bun test`. Runs them all even when one fails, and ends with
# one line `N passed, N failed[, N skipped]`: each static check counts as one test, plus every cargo and bun test.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh || { echo "0 passed, 1 failed"; exit 1; }

passed=0 failed=0 skipped=0
log=$(mktemp -d)
check() { # name, command…: a static check that counts as one test
  local name=$1; shift
  echo "── $name" >&2
  if "$@" >"$log/$name.out" 2>&1; then passed=$((passed + 1)); echo "   ok" >&2
  else failed=$((failed + 1)); cat "$log/$name.out" >&2; echo "   FAILED: $name" >&2; fi
}

crate=packages/tokenizer-rs
check cargo-fmt cargo fmt --manifest-path $crate/Cargo.toml -- --check
check cargo-clippy cargo clippy --manifest-path $crate/Cargo.toml --all-targets --target-dir $crate/target -- -D warnings
check tsc npx tsc -p tsconfig.json
check biome npx biome check .

echo "── cargo test" >&2
# --no-fail-fast: after a failing test binary cargo would skip the rest, and their tests would drop out of the count.
cargo test --no-fail-fast --manifest-path $crate/Cargo.toml --target-dir $crate/target 2>&1 | tee "$log/cargo.out" >&2
cargo_rc=${PIPESTATUS[0]}
# cargo prints one "test result: ok. N passed; M failed; K ignored" line per test binary.
while read -r p f i; do passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + i)); done < <(
  sed -nE 's/^test result: [a-zA-Z]+\. ([0-9]+) passed; ([0-9]+) failed; ([0-9]+) ignored.*/\1 \2 \3/p' "$log/cargo.out")
if [[ $cargo_rc != 0 ]] && ! grep -q "^test result: FAILED" "$log/cargo.out"; then failed=$((failed + 1)); fi

echo "── bun test" >&2
bun test "$@" 2>&1 | tee "$log/bun.out" >&2
bun_rc=${PIPESTATUS[0]}
num() { sed -nE "s/^ *([0-9]+) $1\$/\1/p" "$log/bun.out" | tail -1; }
bp=$(num pass) bf=$(num fail) bs=$(num skip) bt=$(num todo)
passed=$((passed + ${bp:-0})); failed=$((failed + ${bf:-0})); skipped=$((skipped + ${bs:-0} + ${bt:-0}))
# Without its closing "Ran N tests across M files" bun stopped early (a crash, or a test calling process.exit,
# which exits 0): the tests it never reached must not read as "0 failed".
if ! grep -qE "^Ran [0-9]+ tests? across" "$log/bun.out"; then
  echo "   FAILED: bun test ended (exit $bun_rc) without its summary; the output above shows where it stopped" >&2
  failed=$((failed + 1))
elif [[ $bun_rc != 0 && ${bf:-0} == 0 ]]; then failed=$((failed + 1)); fi # e.g. an error between tests

rm -rf "$log"
summary="$passed passed, $failed failed"
[[ $skipped == 0 ]] || summary+=", $skipped skipped"
echo "$summary"
[[ $failed == 0 ]]
