#!/usr/bin/env bash
# Holds tswap-log advise against reality on the simulated runtime, three
# scenarios (docs/tuning.md, "How close the prediction comes"): for each,
# an observe run of the transformer sample, the advice for a budget, a run
# with the advice applied, and the prediction beside what that run measured.
# Prints a Markdown table; the logs stay in the directory given (default: a
# temporary one).
#
#   scripts/advise-check.sh [BUILD_DIR] [OUT_DIR]
set -euo pipefail
build=${1:-build}
out=${2:-$(mktemp -d)}
mkdir -p "$out"
sample="$build/samples/tswap-sample-transformer"
log_tool="$build/profiler/cli/tswap-log"
for tool in "$sample" "$log_tool"; do
  [[ -x $tool ]] || { echo "advise-check: $tool is not built (cmake --build $build)" >&2; exit 2; }
done
model=(--layers 6 --dim 128 --seq 64 --batch 8 --steps 3)
tags=model.layer.*,model.layer.*.mlp

echo "| scenario | link | budget | advice | peak predicted | peak measured | stall predicted | stall measured |"
echo "| --- | ---: | ---: | --- | ---: | ---: | ---: | ---: |"
scenario() {  # name gbps budget
  local name=$1 gbps=$2 budget=$3 dir="$out/$1"
  mkdir -p "$dir"
  echo "advise-check: $name: observing ($gbps GB/s)..." >&2
  "$sample" "${model[@]}" --swap "$tags" --observe --bandwidth-gbps "$gbps" --log "$dir/observe.tswap" \
    >"$dir/observe.out"
  "$log_tool" advise "$dir/observe.tswap" --budget "$budget" --link "$gbps" >"$dir/advice.txt" || true
  local flags plan met
  flags=$(sed -n 's/^ *the samples: //p' "$dir/advice.txt")
  plan=$(grep -m1 -E '^(advice    |          )swap' "$dir/advice.txt" | sed 's/^advice *//; s/^ *//')
  met=yes
  grep -q '^no plan' "$dir/advice.txt" && met="no, lowest reachable"
  if [[ -z $flags ]]; then
    echo "| $name | $gbps GB/s | $budget | swap nothing | - | - | - | - |"
    return
  fi
  echo "advise-check: $name: applying: $flags" >&2
  # shellcheck disable=SC2086  # the flags are words
  "$sample" "${model[@]}" $flags --bandwidth-gbps "$gbps" --log "$dir/applied.tswap" >"$dir/applied.out"
  "$log_tool" advise "$dir/observe.tswap" --budget "$budget" --link "$gbps" \
    --against "$dir/applied.tswap" >"$dir/check.txt" || true
  local peak stall
  peak=$(sed -n 's/^  peak    the engine held \(.*\), predicted \(.*\) (\(.*\))$/\2 | \1 (\3)/p' "$dir/check.txt")
  stall=$(sed -n 's/^  stall   compute waited \(.*\) in its step [0-9]*, predicted \(.*\) (\(.*\))$/\2 | \1 (\3)/p' "$dir/check.txt")
  echo "| $name | $gbps GB/s | $budget | ${plan} (budget met: $met) | $peak | $stall |"
}
scenario fast 25 8MiB
scenario slow 0.05 16MiB
scenario impossible 25 1MiB
echo "advise-check: logs and outputs in $out" >&2
