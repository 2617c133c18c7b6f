#!/usr/bin/env bash
# Every check that needs a GPU, in one go, for a machine with CUDA, CMake,
# Ninja and PyTorch (LibTorch from the wheel) but no Qt, GoogleTest package,
# Google Benchmark or network. Builds without the GUI, runs the whole test
# suite there, then the GPU checks, device timing (device-timed copies'
# GB/s beside a plain pinned copy, copy/compute overlap, what timing costs,
# the allocator's peaks; docs/performance.md) and the samples on CUDA. Logs,
# results and the .tswap logs (open them in tswap-viewer on any machine) go
# to $OUT (default ./gpu-out).
#
# GoogleTest comes from a source copy in .deps/googletest (ignored by git):
#   mkdir -p .deps && cp -r /usr/src/googletest .deps/
set -uo pipefail
root=$(cd -P "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out=${OUT:-$root/gpu-out}
build=$root/build-gpu
mkdir -p "$out"
status=0

{
  nvidia-smi || true
  python3 -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda)'
} 2>&1 | tee "$out/machine.txt"

prefix=$(python3 -c 'import torch; print(torch.utils.cmake_prefix_path)')
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_PREFIX_PATH="$prefix" -DTSWAP_GTEST_SOURCE_DIR="$root/.deps/googletest" \
  -DTSWAP_BUILD_BENCH=OFF -DTSWAP_BUILD_GUI=OFF -DTSWAP_BUILD_PYTHON=OFF 2>&1 | tee "$out/configure.log" || status=1
cmake --build "$build" 2>&1 | tail -n 200 > "$out/build.log" || status=1
tail -n 20 "$out/build.log"

ctest --test-dir "$build" --output-on-failure -j 8 2>&1 | tee "$out/ctest.log" | tail -n 25
[[ ${PIPESTATUS[0]} -eq 0 ]] || status=1

"$build/tests/gpu/tswap-gpu-checks" --out "$out/gpu-checks.md" 2>&1 | tee "$out/gpu-checks.log"
[[ ${PIPESTATUS[0]} -eq 0 ]] || status=1

"$build/tests/gpu/tswap-gpu-device-timing" --out "$out" 2>&1 | tee "$out/device-timing.log"
[[ ${PIPESTATUS[0]} -eq 0 ]] || status=1

"$build/samples/tswap-sample-mlp" --device cuda --layers 16 --width 2048 --batch 4096 --steps 6 \
  2>&1 | tee "$out/sample-mlp-cuda.log"
[[ ${PIPESTATUS[0]} -eq 0 ]] || status=1

# The GPT sample on CUDA, recorded: step times and the caching allocator's
# peak with and without swapping, side by side, and a log for the viewer.
"$build/samples/tswap-sample-transformer" --runtime accelerator --layers 24 --dim 1024 --heads 16 \
  --seq 1024 --batch 8 --steps 6 --swap 'model.layer.*' --log "$out/transformer-cuda.tswap" \
  2>&1 | tee "$out/sample-transformer-cuda.log"
[[ ${PIPESTATUS[0]} -eq 0 ]] || status=1
# What tswap-log makes of the device-timed logs.
for log in "$out/transformer-cuda.tswap" "$out/device-timed.tswap"; do
  [[ -f $log ]] || continue
  "$build/profiler/cli/tswap-log" info "$log" > "${log%.tswap}.info.txt" 2>&1 || status=1
  "$build/profiler/cli/tswap-log" summary "$log" > "${log%.tswap}.summary.txt" 2>&1 || status=1
  "$build/profiler/cli/tswap-log" check "$log" > "${log%.tswap}.check.txt" 2>&1 || status=1
done

echo "gpu-checks: results in $out (status $status)"
exit $status
