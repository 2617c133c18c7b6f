#!/usr/bin/env bash
# The README's test command: installs what is missing, builds everything
# (engine, profiler, viewer, tests, samples, benchmarks) and runs every test
# through ctest.
#
#   scripts/test.sh            build in ./build
#   TSWAP_BUILD_DIR=dir scripts/test.sh
set -euo pipefail
root=$(cd -P "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${TSWAP_BUILD_DIR:-$root/build}

"$root/scripts/setup.sh"
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build "$build"
# setup.sh installed Qt 6: a viewer that was not built is a broken setup,
# not a reason to skip its tests quietly.
if [[ ! -x "$build/gui/tswap-viewer" ]]; then
  echo "test.sh: tswap-viewer was not built (is Qt 6 found? see the CMake output above)" >&2
  exit 1
fi
ctest --test-dir "$build" --output-on-failure -j "$(nproc)"
