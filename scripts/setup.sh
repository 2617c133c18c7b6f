#!/usr/bin/env bash
# Installs the Debian packages tensorswap builds and tests with, when any is
# missing. Idempotent: prints nothing and touches nothing when all are there.
#
#   scripts/setup.sh            packages for the engine, the profiler, the viewer,
#                               their tests and benchmarks
#
# Runs apt-get through sudo when not root.
set -euo pipefail

packages=(
  cmake ninja-build g++ pkg-config
  libtorch-dev            # LibTorch 1.13 (CPU): the engine and its tests
  libgloo-dev             # Gloo's headers, which LibTorch's ProcessGroupGloo.hpp includes: samples/distributed
  libgtest-dev libgmock-dev
  libbenchmark-dev
  libcli11-dev            # tswap-log's arguments
  nlohmann-json3-dev      # JSON export, and parsing it back in tests
  libsqlite3-dev          # reading Nsight Systems exports (nsys export --type sqlite)
  libzstd-dev             # zstd-compressed log chunks (optional: found with pkg-config)
  qt6-base-dev qt6-svg-dev libxkbcommon-dev   # tswap-viewer (Widgets, Test, SVG export)
  fonts-dejavu-core       # text in headless screenshots
  doxygen                 # the API reference (docs/)
  python3-dev pybind11-dev python3-torch   # the Python package (python/), on the same LibTorch 1.13
  python3-numpy python3-pandas             # tensorswap.trace's arrays and DataFrames
  python3-pytest python3-torchvision       # its tests, on models nobody here wrote
)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

sudo=""
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "setup: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "setup: done"
