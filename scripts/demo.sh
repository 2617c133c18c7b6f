#!/usr/bin/env bash
# The README's main command: installs what is missing, builds the MLP sample,
# tswap-log and tswap-viewer, trains the sample with and without swapping
# side by side while recording what the swapper did, summarizes and checks
# the log, and shows it: in the viewer when there is a display, as pictures
# otherwise. Extra arguments go to the sample (try --help).
#
#   scripts/demo.sh
#   scripts/demo.sh --layers 12 --width 512
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${TSWAP_BUILD_DIR:-$root/build}
out=$build/demo
log=$out/mlp.tswap

"$root/scripts/setup.sh"
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
echo "demo: building the MLP sample, tswap-log and tswap-viewer (the first build takes a few minutes)"
cmake --build "$build" --target tswap_sample_mlp tswap_log tswap_viewer
mkdir -p "$out"
echo
TSWAP_LOG=$log "$build/samples/tswap-sample-mlp" "$@"
echo
"$build/profiler/cli/tswap-log" summary "$log"
echo
"$build/profiler/cli/tswap-log" check "$log"
echo
viewer=$build/gui/tswap-viewer
for view in timeline memory table all; do
  "$viewer" "$log" --screenshot "$out/$view.png" --view "$view" --size 1600x900 >/dev/null
done
echo "demo: the log is $log"
echo "      pictures: $out/timeline.png $out/memory.png $out/table.png $out/all.png"
echo "      $build/profiler/cli/tswap-log export $log --format chrome -o mlp.json   # for ui.perfetto.dev"
if [[ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" && -z "${CI:-}" ]]; then
  echo "demo: opening tswap-viewer (close it to finish)"
  "$viewer" "$log"
fi
