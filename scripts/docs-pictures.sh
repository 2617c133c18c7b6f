#!/usr/bin/env bash
# Regenerates the pictures in docs/images/ from a sample run, with
# tswap-viewer --screenshot. Run after changing what the views draw.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${TSWAP_BUILD_DIR:-$root/build}
images=$root/docs/images
log=$build/docs/mlp.tswap
cmake --build "$build" --target tswap_sample_mlp tswap_viewer
mkdir -p "$images" "$(dirname "$log")"
TSWAP_LOG=$log "$build/samples/tswap-sample-mlp" --layers 8 --steps 2 >/dev/null
v=$build/gui/tswap-viewer
"$v" "$log" --screenshot "$images/viewer-all.png" --view all --size 1600x800
"$v" "$log" --screenshot "$images/viewer-timeline.png" --view timeline --size 1600x260
"$v" "$log" --screenshot "$images/viewer-memory.png" --view memory --size 1600x420
"$v" "$log" --screenshot "$images/viewer-table.png" --view table --size 1600x330 --light
