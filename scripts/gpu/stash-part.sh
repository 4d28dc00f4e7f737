#!/usr/bin/env bash
# One GPU call's share of the kit (scripts/gpu/kit.ts): checks the part this call carried against SHA256SUMS and
# moves it to the stash outside the repository copy, where files survive between calls while the machine stays
# warm (about 30 s after each call), then says how many of the kit's parts the stash holds.
#   bash scripts/gpu/stash-part.sh .gpu-kit/call-N        (stash: $CS336_KIT_STASH, default /tmp/cs336-kit)
set -euo pipefail
call=${1:?usage: stash-part.sh CALL_DIR}
stash=${CS336_KIT_STASH:-/tmp/cs336-kit}
[[ -f $call/SHA256SUMS ]] || { echo "stash: $call/SHA256SUMS missing: was the call folder carried?" >&2; exit 1; }
mkdir -p "$stash"
# A kit rebuilt since the last call has other sums: its earlier parts are stale, drop them.
if [[ -f $stash/SHA256SUMS ]] && ! cmp -s "$stash/SHA256SUMS" "$call/SHA256SUMS"; then
  echo "stash: $stash held parts of another kit build; discarding them" >&2
  rm -rf "${stash:?}"/*
fi
cp "$call/SHA256SUMS" "$call/kit.json" "$stash/"
for part in "$call"/kit.tar.xz.part*; do
  [[ -e $part ]] || continue
  name=$(basename "$part")
  want=$(awk -v n="$name" '$2 == n { print $1 }' "$call/SHA256SUMS")
  got=$(sha256sum "$part" | cut -d' ' -f1)
  if [[ -z $want || $want != "$got" ]]; then
    echo "stash: $name does not match SHA256SUMS (damaged in transfer?); carry it again" >&2
    exit 1
  fi
  mv -f "$part" "$stash/$name"
done
expected=$(grep -c 'kit\.tar\.xz\.part[0-9]*$' "$stash/SHA256SUMS")
have=$(find "$stash" -maxdepth 1 -name 'kit.tar.xz.part*' | wc -l)
echo "stash: $stash holds $have of $expected parts"
