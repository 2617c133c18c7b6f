#!/usr/bin/env bash
# Runs every ```sh block of the given Markdown files, so the commands in the
# documentation cannot rot. Each file runs in a scratch directory of its own,
# its blocks in order (a later block may use what an earlier one wrote), each
# block with `bash -e`, as a reader's shell runs it (no pipefail: `| grep -m1`
# ends its writer early, as it should). The scratch directory is what a
# reader has:
#
#   build/     the build tree        scripts/, samples/   the sources
#   ./train    a training program: the transformer sample, small
#   run.tswap  a recorded log of ./train
#
# and PATH has tswap-log and tswap-viewer. Where the tree builds the Python
# package (TSWAP_PYTHON names the interpreter CMake chose, the one that
# imports torch), `python3` is that interpreter and PYTHONPATH has the
# build tree's package, as docs/python.md tells a reader to set up. Rules:
#   - a block whose first line is "# not run by tests: WHY" is skipped, and
#     reported as skipped with its reason (a GPU, Nsight Systems);
#   - a `scripts/test.sh` line is skipped: it is the test command itself;
#   - `tswap-viewer FILE...` without --screenshot would open a window: it
#     runs as `tswap-viewer FILE --screenshot scratch.png`, which loads and
#     draws the same file headless and exits.
#
#   run_doc_commands.sh SOURCE_DIR BUILD_DIR WORK_DIR FILE.md...
set -uo pipefail
source_dir=$1 build_dir=$2 work=$3
shift 3

rm -rf "$work"
mkdir -p "$work"
cat >"$work/train" <<EOF
#!/usr/bin/env bash
exec "$build_dir/samples/tswap-sample-transformer" --layers 3 --dim 64 --seq 32 --steps 2 "\$@"
EOF
chmod +x "$work/train"
export PATH="$build_dir/profiler/cli:$build_dir/gui:$PATH"
export TSWAP_BUILD_DIR=$build_dir CI=true
if [[ -n ${TSWAP_PYTHON:-} ]]; then
  mkdir -p "$work/bin"
  printf '#!/bin/sh\nexec "%s" "$@"\n' "$TSWAP_PYTHON" >"$work/bin/python3"
  chmod +x "$work/bin/python3"
  export PATH="$work/bin:$PATH" PYTHONPATH="$build_dir/python${PYTHONPATH:+:$PYTHONPATH}" PYTHONDONTWRITEBYTECODE=1
fi
unset DISPLAY WAYLAND_DISPLAY
if ! (cd "$work" && TSWAP_LOG=run.tswap ./train >train.out 2>&1); then
  echo "docs: the fixture run of ./train failed:" >&2
  cat "$work/train.out" >&2
  exit 1
fi

failed=0 ran=0 skipped=0 page=0
for doc in "$@"; do
  page=$((page + 1))
  dir=$work/$page-$(basename "$doc" .md)  # README.md and docs/README.md: two pages
  mkdir "$dir" || exit 1
  ln -s "$build_dir" "$dir/build"
  ln -s "$source_dir/scripts" "$dir/scripts"
  ln -s "$source_dir/samples" "$dir/samples"
  cp "$work/train" "$work/run.tswap" "$dir/"
  # Blocks as "LINE<TAB>text" lines, one block after another, split by a NUL line.
  blocks=$(awk '/^```sh[[:space:]]*$/ { inside = 1; start = NR + 1; next }
                inside && /^```/      { inside = 0; printf "\001\n"; next }
                inside                { print start "\t" $0 }' "$doc")
  block=() start=""
  while IFS= read -r line; do
    if [[ $line == $'\x01' ]]; then
      first=${block[0]:-}
      if [[ $first == "# not run by tests:"* ]]; then
        echo "docs: skipped $doc:$start (${first#\# not run by tests: })"
        skipped=$((skipped + 1))
      else
        script=$dir/block-$start.sh
        : >"$script"
        for l in "${block[@]}"; do
          if [[ $l =~ ^scripts/test\.sh ]]; then
            echo "docs: $doc:$start: not running '$l' (the test command itself)"
            continue
          fi
          if [[ $l =~ ^(build/gui/)?tswap-viewer[[:space:]]+[^-] && $l != *--screenshot* ]]; then
            l="${l%%#*} --screenshot $dir/viewer-$start.png"
          fi
          printf '%s\n' "$l" >>"$script"
        done
        ran=$((ran + 1))
        if ! (cd "$dir" && timeout 600 bash -e "$script" >"$script.out" 2>&1); then
          echo "docs: FAILED $doc:$start" >&2
          sed 's/^/    | /' "$script" >&2
          echo "    output:" >&2
          tail -n 40 "$script.out" | sed 's/^/    > /' >&2
          failed=$((failed + 1))
        else
          echo "docs: ok $doc:$start"
        fi
      fi
      block=() start=""
      continue
    fi
    [[ -z $start ]] && start=${line%%$'\t'*}
    block+=("${line#*$'\t'}")
  done <<<"$blocks"
done
echo "docs: $ran blocks run, $skipped skipped, $failed failed"
[[ $failed -eq 0 ]]
