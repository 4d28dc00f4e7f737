#!/usr/bin/env bash
# Rebuilds the kit from the stashed parts: every part present and matching SHA256SUMS, the parts joined in order
# into kit.tar.xz and that checked too, the tar unpacked (xz, else python3's lzma), and every unpacked file
# checked against the FILES.sha256 the kit carries. Needs coreutils, tar and xz or python3: no bun.
#   bash scripts/gpu/reassemble.sh STASH DEST
set -euo pipefail
stash=${1:?usage: reassemble.sh STASH DEST}
dest=${2:?usage: reassemble.sh STASH DEST}
[[ -f $stash/SHA256SUMS ]] || { echo "reassemble: no SHA256SUMS in $stash (no part was stashed)" >&2; exit 2; }
mapfile -t parts < <(grep -o 'kit\.tar\.xz\.part[0-9]*$' "$stash/SHA256SUMS")
missing=()
for p in "${parts[@]}"; do [[ -f $stash/$p ]] || missing+=("$p"); done
if ((${#missing[@]} > 0)); then
  echo "reassemble: missing ${missing[*]}: the machine went cold between calls or a call was skipped; issue every call again from call-1" >&2
  exit 2
fi
(cd "$stash" && grep 'kit\.tar\.xz\.part[0-9]*$' SHA256SUMS | sha256sum -c --quiet -) ||
  { echo "reassemble: a part does not match SHA256SUMS" >&2; exit 1; }
(cd "$stash" && cat "${parts[@]}" > kit.tar.xz && grep ' kit\.tar\.xz$' SHA256SUMS | sha256sum -c --quiet -) ||
  { echo "reassemble: the joined archive does not match SHA256SUMS" >&2; exit 1; }
rm -rf "$dest" && mkdir -p "$dest"
if command -v xz >/dev/null && [[ -z ${CS336_KIT_NO_XZ:-} ]]; then
  xz -dc "$stash/kit.tar.xz" | tar -x -C "$dest"
else
  python3 -c 'import lzma, shutil, sys; shutil.copyfileobj(lzma.open(sys.argv[1]), sys.stdout.buffer, 1 << 20)' \
    "$stash/kit.tar.xz" | tar -x -C "$dest"
fi
rm -f "$stash/kit.tar.xz"
(cd "$dest" && sha256sum -c --quiet FILES.sha256) || { echo "reassemble: unpacked files do not match FILES.sha256" >&2; exit 1; }
echo "reassemble: $(wc -l < "$dest/FILES.sha256") files checked in $dest"
