#!/usr/bin/env bash
# The README's main command: installs what is missing, builds the MLP sample
# and tswap-log, trains the sample with and without swapping side by side
# while recording what the swapper did, then summarizes and checks the log.
# Extra arguments go to the sample (try --help).
#
#   scripts/demo.sh
#   scripts/demo.sh --layers 12 --width 512
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${TSWAP_BUILD_DIR:-$root/build}
log=$build/demo/mlp.tswap

"$root/scripts/setup.sh"
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
echo "demo: building the MLP sample and tswap-log (the first build takes a few minutes: LibTorch headers)"
cmake --build "$build" --target tswap_sample_mlp tswap_log
mkdir -p "$(dirname "$log")"
echo
TSWAP_LOG=$log "$build/samples/tswap-sample-mlp" "$@"
echo
"$build/profiler/cli/tswap-log" summary "$log"
echo
"$build/profiler/cli/tswap-log" check "$log"
echo
echo "demo: the log is $log"
echo "      $build/profiler/cli/tswap-log export $log --format chrome -o mlp.json   # open in ui.perfetto.dev"
