#!/usr/bin/env bash
# Checks a built kit on this CPU machine exactly as the GPU calls use it: a scratch copy of the working tree
# (what a device call receives), calls 1..N-1 stash their parts, the last call runs run-on-gpu.sh --cpu-check
# (reassembly against every checksum, the kit's own bun and node_modules, onnxruntime-gpu's libonnxruntime
# swapped in, then doctor, placement, throughput, the loss match and a short run on CPU shapes). Passes when
# every step exits 0, the CPU losses match the kit's reference and the process mapped the wheel's library.
#   bash scripts/gpu/check-kit-cpu.sh [SCRATCH_DIR]      (default: a new temp folder, removed when it passes)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
n=$(find "$root/.gpu-kit" -maxdepth 1 -name 'call-*' 2>/dev/null | wc -l)
((n > 0)) || { echo "check-kit: no kit in $root/.gpu-kit; build it with: bun scripts/gpu/kit.ts" >&2; exit 1; }
scratch=${1:-$(mktemp -d /tmp/gpu-kit-check.XXXXXX)}
tree=$scratch/repo
mkdir -p "$tree/.gpu-kit"
(cd "$root" && git ls-files -co --exclude-standard -z | while IFS= read -r -d '' f; do
  [[ -e $f ]] && printf '%s\0' "$f"
done | xargs -0 cp --parents -t "$tree")
for ((i = 1; i <= n; i++)); do cp -r "$root/.gpu-kit/call-$i" "$tree/.gpu-kit/"; done
export CS336_KIT_STASH=$scratch/stash OUT=$scratch/out CS336_GPU_BUDGET_S=1800
cd "$tree"
for ((i = 1; i < n; i++)); do bash scripts/gpu/stash-part.sh ".gpu-kit/call-$i"; done
status=0
bash scripts/gpu/run-on-gpu.sh ".gpu-kit/call-$n" --cpu-check || status=$?
want=$(sha256sum "$CS336_KIT_STASH"/tree/ort-gpu/libonnxruntime.so.1.* | cut -d' ' -f1)
"$CS336_KIT_STASH/tree/bin/bun" -e '
const r = JSON.parse(require("fs").readFileSync(process.argv[1] + "/results.json", "utf8"));
const bad = [];
// On the CPU every node is "fallback" from CUDA'"'"'s point of view: placement exits 3 there, by design.
const expected = (name) => (name.startsWith("placement-") ? 3 : 0);
for (const s of r.steps) {
  if (s.code !== expected(s.name)) bad.push(`step ${s.name}: exit ${s.code}${s.skipped ? ` (${s.skipped})` : ""}`);
}
if (r.placement?.[23]?.placement?.found !== true) bad.push("placement: no verbose placement parsed");
if (!r.match || !r.match.pass) bad.push(`loss match: ${JSON.stringify(r.match)?.slice(0, 300)}`);
if (r.ortLibrary?.sha256 !== process.argv[2]) bad.push(`mapped ${JSON.stringify(r.ortLibrary)}, not the wheel library`);
if (!r.bun.includes(process.argv[3])) bad.push(`ran under ${r.bun}, not the kit bun`);
console.log(bad.length ? `check-kit: FAIL\n  ${bad.join("\n  ")}` : "check-kit: PASS (reassembled, swapped library mapped, every step ok, losses match)");
process.exit(bad.length ? 1 : 0);' "$OUT" "$want" "$CS336_KIT_STASH/tree/bin/bun" || status=1
if ((status == 0)) && (($# == 0)); then rm -rf "$scratch"; else echo "check-kit: scratch kept in $scratch"; fi
exit $status
