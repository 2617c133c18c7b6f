#!/usr/bin/env bash
# The README's main command: installs what is missing, builds the
# transformer sample, tswap-log and tswap-viewer, trains a small GPT with
# and without swapping side by side while recording what the swapper did,
# summarizes and checks the log, and shows it: in the viewer when there is
# a display, as pictures otherwise. Extra arguments go to the sample
# (try --help).
#
#   scripts/demo.sh
#   scripts/demo.sh --layers 12 --dim 256 --swap model.layer.*,model.layer.*.mlp
#   scripts/demo.sh --help      # installs and builds nothing
set -euo pipefail
root=$(cd -P "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${TSWAP_BUILD_DIR:-$root/build}
out=$build/demo
log=$out/transformer.tswap
sample=$build/samples/tswap-sample-transformer

# --help first: it installs nothing and builds nothing.
for arg in "$@"; do
  if [[ $arg == -h || $arg == --help ]]; then
    cat <<EOF
usage: scripts/demo.sh [SAMPLE OPTIONS]

Installs what is missing (scripts/setup.sh), builds the transformer sample,
tswap-log and tswap-viewer in $build (TSWAP_BUILD_DIR), trains a small GPT
with and without swapping while recording a log, summarizes and checks it,
and shows it in tswap-viewer (pictures in $out without a display).
Options go to the sample, tswap-sample-transformer:
EOF
    if [[ -x $sample ]]; then
      echo
      "$sample" --help
    else
      echo "  (not built yet: scripts/demo.sh builds it; then scripts/demo.sh --help lists them)"
    fi
    exit 0
  fi
done

"$root/scripts/setup.sh"
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
echo "demo: building the transformer sample, tswap-log and tswap-viewer (the first build takes a few minutes)"
cmake --build "$build" --target tswap_sample_transformer tswap_log tswap_viewer
mkdir -p "$out"
echo
"$sample" --log "$log" "$@"
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
echo "      open it: $viewer $log"
echo "      pictures: $out/timeline.png $out/memory.png $out/table.png $out/all.png"
echo "      $build/profiler/cli/tswap-log export $log --format chrome -o transformer.json   # for ui.perfetto.dev"
if [[ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" && -z "${CI:-}" ]]; then
  echo "demo: opening tswap-viewer (close it to finish)"
  "$viewer" "$log"
fi
