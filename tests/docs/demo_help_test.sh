#!/usr/bin/env bash
# scripts/demo.sh --help prints its usage and exits 0 without installing or
# building: every tool setup.sh and the build would run is replaced by one
# that leaves a mark, and the build folder must not appear.
#
#   demo_help_test.sh SOURCE_DIR WORK_DIR
set -uo pipefail
source_dir=$1 work=$2
rm -rf "$work"
mkdir -p "$work/bin"
for tool in cmake ninja sudo apt-get dpkg-query; do
  printf '#!/bin/sh\necho "%s $*" >>"%s/ran"\nexit 1\n' "$tool" "$work" >"$work/bin/$tool"
  chmod +x "$work/bin/$tool"
done
out=$(PATH="$work/bin:$PATH" TSWAP_BUILD_DIR="$work/build" bash "$source_dir/scripts/demo.sh" --help 2>&1)
rc=$?
fail() { echo "demo --help: $*"; echo "--- output:"; echo "$out"; exit 1; }
[[ $rc -eq 0 ]] || fail "exit status $rc, expected 0"
[[ ! -e $work/ran ]] || fail "it ran: $(cat "$work/ran")"
[[ ! -e $work/build ]] || fail "it made the build folder $work/build"
[[ $out == "usage: scripts/demo.sh [SAMPLE OPTIONS]"* ]] || fail "no usage line first"
[[ $out == *"(not built yet: scripts/demo.sh builds it"* ]] || fail "does not say the sample's options need a build"
echo "demo --help: ok"
