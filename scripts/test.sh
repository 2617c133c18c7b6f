#!/usr/bin/env bash
# The README's test command: installs what is missing, builds everything
# (engine, tests, samples, benchmarks) and runs every test through ctest.
#
#   scripts/test.sh            build in ./build
#   TSWAP_BUILD_DIR=dir scripts/test.sh
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${TSWAP_BUILD_DIR:-$root/build}

"$root/scripts/setup.sh"
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build "$build"
ctest --test-dir "$build" --output-on-failure -j "$(nproc)"
