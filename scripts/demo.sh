#!/usr/bin/env bash
# The README's main command: installs what is missing, builds the MLP
# sample and trains it with and without swapping, side by side. Extra
# arguments go to the sample (try --help).
#
#   scripts/demo.sh
#   scripts/demo.sh --layers 12 --width 512
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${TSWAP_BUILD_DIR:-$root/build}

"$root/scripts/setup.sh"
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
echo "demo: building the MLP sample (the first build takes a few minutes: LibTorch headers)"
cmake --build "$build" --target tswap_sample_mlp
echo
"$build/samples/tswap-sample-mlp" "$@"
