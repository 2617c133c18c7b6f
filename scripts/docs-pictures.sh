#!/usr/bin/env bash
# Regenerates the pictures in docs/images/ from runs of the transformer
# sample, with tswap-viewer --screenshot. Run after changing what the views
# draw or what the samples do; commit the pictures with the change.
set -euo pipefail
root=$(cd -P "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${TSWAP_BUILD_DIR:-$root/build}
images=$root/docs/images
work=$build/docs
cmake --build "$build" --target tswap_sample_transformer tswap_viewer
mkdir -p "$images" "$work"
sample=$build/samples/tswap-sample-transformer
v=$build/gui/tswap-viewer

# Both tags swapping over a fast link: the schedule as it should look.
"$sample" --layers 6 --steps 2 --swap 'model.layer.*,model.layer.*.mlp' --log "$work/good.tswap" >/dev/null
"$v" "$work/good.tswap" --screenshot "$images/viewer-all.png" --view all --size 1600x800
"$v" "$work/good.tswap" --screenshot "$images/viewer-timeline.png" --view timeline --size 1600x300
"$v" "$work/good.tswap" --screenshot "$images/viewer-memory.png" --view memory --size 1600x420
"$v" "$work/good.tswap" --screenshot "$images/viewer-memory-by-tag.png" --view memory --size 1600x420 --stack tag
"$v" "$work/good.tswap" --screenshot "$images/viewer-table.png" --view table --size 1600x420 --light

# A link too slow for the compute: copies back arrive late and compute stalls.
"$sample" --layers 6 --steps 2 --bandwidth-gbps 0.02 --log "$work/slow.tswap" >/dev/null
"$v" "$work/slow.tswap" --screenshot "$images/tuning-slow-link.png" --view all --size 1600x800
"$v" "$work/slow.tswap" --screenshot "$images/tuning-slow-link-table.png" --view table --size 1600x330 --light
