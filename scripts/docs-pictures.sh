#!/usr/bin/env bash
# Regenerates the pictures in docs/images/ from runs of the transformer
# sample, with tswap-viewer --screenshot. Run after changing what the views
# draw or what the samples do; commit the pictures with the change.
set -euo pipefail
root=$(cd -P "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${TSWAP_BUILD_DIR:-$root/build}
images=$root/docs/images
work=$build/docs
mkdir -p "$images" "$work"
v=$build/gui/tswap-viewer

# What a GPU run looks like (format version 2): a log with device-timed
# copies and layers and allocator samples, and the same run on a device
# that cannot time its copies, both written by the viewer's test log maker
# (tests/viewer/device_logs.h). Needs no LibTorch.
cmake --build "$build" --target tswap_viewer tswap_viewer_make_logs
"$build/tests/viewer/tswap_viewer_make_logs" "$work"
"$v" "$work/device.tswap" --screenshot "$images/viewer-device-timeline.png" --view timeline --size 1600x190
"$v" "$work/device.tswap" --screenshot "$images/viewer-device-memory.png" --view memory --size 1600x380
"$v" "$work/untimed.tswap" --screenshot "$images/viewer-untimed-timeline.png" --view timeline --size 1600x150
# Two ranks of one run, rank 1's clock 2 us behind (tests/viewer/rank_logs.h).
"$v" "$work/ranks" --screenshot "$images/viewer-ranks.png" --view all --size 1600x700

# An Nsight Systems export attached (tests/nsys/join_files.h's log and capture).
cmake --build "$build" --target tswap_nsys_make_join_files
"$build/tests/nsys/tswap_nsys_make_join_files" "$work"
"$v" "$work/run.tswap" --attach "$work/capture.sqlite" --screenshot "$images/viewer-nsys-attach.png" --view timeline --size 1600x170

# Two runs compared (File > Compare with..., --compare): tests/trace/stall_logs.h's
# nested tags sharing the copy streams, then the outer tag alone over a link twice as fast.
cmake --build "$build" --target tswap_make_tuning_logs
"$build/tests/trace/tswap_make_tuning_logs" "$work"
"$v" "$work/nested_stalls.tswap" --compare "$work/outer_alone.tswap" --screenshot "$images/viewer-compare.png" --view all --size 1600x640

if grep -q '^TSWAP_WITH_TORCH:BOOL=OFF' "$build/CMakeCache.txt" 2>/dev/null; then
  echo "docs-pictures: $build has no LibTorch (TSWAP_WITH_TORCH=OFF): the sample's pictures are left as they are" >&2
  exit 0
fi
cmake --build "$build" --target tswap_sample_transformer
sample=$build/samples/tswap-sample-transformer

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

# The same slow link with the MLPs' tag only, compared with the run above
# (File > Compare with..., tuning.md's "Compare").
"$sample" --layers 6 --steps 2 --bandwidth-gbps 0.02 --swap 'model.layer.*.mlp' --log "$work/slow-mlp.tswap" >/dev/null
"$v" "$work/slow.tswap" --compare "$work/slow-mlp.tswap" --screenshot "$images/tuning-compare.png" --view all --size 1600x800

# Two ranks of the data-parallel sample (docs/distributed.md) over a slow
# simulated link, so that the copies show, side by side in one window.
if [[ -x $build/samples/tswap-sample-ddp ]]; then
  rm -rf "$work/ddp" && mkdir -p "$work/ddp"
  "$root/scripts/tswap-launch" -n 2 -- "$build/samples/tswap-sample-ddp" --steps 2 \
    --bandwidth-gbps 0.05 --log "$work/ddp/run.{rank}.tswap" >/dev/null
  "$v" "$work/ddp" --screenshot "$images/distributed-ddp.png" --view all --size 1600x900
fi

# The Python sample (samples/python/train.py, docs/python.md) over a slow
# link, where the tree builds the Python package: both tags' copies in view.
python=$(sed -n 's/^Python3_EXECUTABLE:[A-Z]*=//p' "$build/CMakeCache.txt")
if [[ -z $python || ! -d $build/python/tensorswap ]]; then
  echo "docs-pictures: $build has no Python package (TSWAP_BUILD_PYTHON): python-sample.png is left as it is" >&2
  exit 0
fi
targets=(tswap_python_engine)  # and the log reader, which the package imports, where it has one
cmake --build "$build" --target help | grep -q tswap_python_trace && targets+=(tswap_python_trace)
cmake --build "$build" --target "${targets[@]}"
PYTHONPATH=$build/python PYTHONDONTWRITEBYTECODE=1 "$python" "$root/samples/python/train.py" \
  --steps 2 --swap blocks,mlp --link-gbps 0.05 --log "$work/python.tswap" >/dev/null
"$v" "$work/python.tswap" --screenshot "$images/python-sample.png" --view all --size 1600x800
