#!/usr/bin/python3
"""Where the engine's time per saved tensor goes, by kind of work.

Runs tswap-bench-engine's variants under `perf record --call-graph dwarf`
and sorts every sample of the training thread by its stack:

  outside      no tensorswap frame: the ops, autograd, the benchmark
  bookkeeping  tensorswap's own code: slots, swaps, the step index,
               release and prefetch decisions, counters, scopes
  allocation   memory the engine asks for: malloc/free and new/delete
               under tensorswap frames, tensors and aliases it makes (the
               copy back's device buffer, TensorImpls), the host buffer
               (Runtime::allocate_host)
  events       a runtime's events: recording, waiting, querying, pooling
  copy launch  the rest of Runtime::copy_to_host/copy_to_device: queueing
               the copy (on the simulated runtime the hand-off to a
               stream's worker; on the accelerator runtime copy_ under a
               stream guard, which on the fake device is the memcpy)

and, beside that, the samples of the simulated runtime's stream workers.
The µs per saved tensor of each kind is its share of the thread's samples
times the variant's CPU time per saved tensor (measured in the same run,
without perf). Needs perf (linux-perf) and the benchmark built with debug
info (RelWithDebInfo).

  bench/engine_cost_split.py [--bench build/bench/tswap-bench-engine] [--size 1000]
"""

import argparse
import collections
import json
import re
import subprocess
import sys
import tempfile

RUNTIME_CALL = re.compile(
    r"(tswap::\w+Runtime|tswap_bench::InlineRuntime)::(copy_to_host|copy_to_device|compute_wait|allocate_host)\b")
# (The simulated runtime's wake of its worker is the copy's launch, not an
# event: only SimulatedEvent itself counts here.)
EVENT = re.compile(r"c10::Event|EventPool|OrderingEvent|PooledEvent|SimulatedEvent|queryEvent|"
                   r"GuardImpl::record|GuardImpl::block")
ALLOCATION = re.compile(r"\bmalloc\b|_int_malloc|\bfree\b|cfree|_int_free|malloc_consolidate|"
                        r"unlink_chunk|operator new|operator delete|aligned_alloc|_mid_memalign|"
                        r"_int_memalign|at::empty|at::detail::empty|empty_generic|TensorImpl::TensorImpl|"
                        r"TensorImpl::~TensorImpl|StorageImpl|alias_of|bytes_of|empty_like_layout|"
                        r"HostPool::allocate|HostPool::release_block|alloc_cpu|free_cpu")
ENGINE = re.compile(r"\btswap::")
# The benchmark's timed region (and its iteration-count estimates, the same
# work): samples outside it are the program's start and end.
MEASURED = re.compile(r"benchmark::RunSpecifiedBenchmarks")
KINDS = ["outside", "bookkeeping", "allocation", "events", "copy launch"]


def classify(frames):
    """frames: leaf first, as perf script prints them."""
    root_first = list(reversed(frames))
    engine_at = next((i for i, f in enumerate(root_first) if ENGINE.search(f)), None)
    if engine_at is None:
        return "outside"
    below = root_first[engine_at:]
    for i, f in enumerate(below):
        m = RUNTIME_CALL.search(f)
        if m:
            inner = below[i + 1:]
            if m.group(2) == "allocate_host":
                return "allocation"
            if m.group(2) == "compute_wait" or any(EVENT.search(g) for g in inner):
                return "events"
            return "copy launch"
    if any(ALLOCATION.search(f) for f in below):
        return "allocation"
    return "bookkeeping"


def samples(perf_data):
    out = subprocess.run(["perf", "script", "-i", perf_data, "-F", "comm,tid,ip,sym", "--no-inline"],
                         capture_output=True, text=True, check=True).stdout
    for block in out.split("\n\n"):
        lines = [l for l in block.strip().splitlines() if l.strip()]
        if not lines:
            continue
        head = lines[0].split()
        comm = " ".join(head[:-1]) if len(head) > 1 else head[0]
        frames = [l.strip().split(None, 1)[1] if len(l.strip().split(None, 1)) > 1 else "?"
                  for l in lines[1:]]
        yield comm, frames


def cpu_per_tensor(bench, name):
    out = subprocess.run([bench, f"--benchmark_filter=^{name}$", "--benchmark_min_time=1",
                          "--benchmark_format=json"], capture_output=True, text=True, check=True).stdout
    b = json.loads(out)["benchmarks"][0]
    saved = int(name.split("/")[1])
    scale = {"ms": 1e3, "us": 1.0, "ns": 1e-3}[b["time_unit"]]
    return b["cpu_time"] * scale / saved, b["real_time"] * scale / saved


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bench", default="build/bench/tswap-bench-engine")
    ap.add_argument("--size", type=int, default=1000, help="saved tensors per step")
    ap.add_argument("--variants", default="Kept,Peer,Inline,Accelerator,Simulated")
    ap.add_argument("--frequency", type=int, default=2000)
    args = ap.parse_args()
    rows = []
    for variant in args.variants.split(","):
        name = f"BM_{variant}/{args.size}/real_time"
        cpu, wall = cpu_per_tensor(args.bench, name)
        with tempfile.NamedTemporaryFile(suffix=".perf") as data:
            print(f"recording {name} ...", file=sys.stderr, flush=True)
            subprocess.run(["perf", "record", "-q", "-F", str(args.frequency), "--call-graph", "dwarf,32768",
                            "-o", data.name, args.bench, f"--benchmark_filter=^{name}$",
                            "--benchmark_min_time=1"], check=True, stdout=subprocess.DEVNULL)
            counts = collections.Counter()
            workers = 0
            unmeasured = 0
            for comm, frames in samples(data.name):
                if comm.startswith("tswap-sim"):
                    workers += 1
                elif not any(MEASURED.search(f) for f in frames):
                    unmeasured += 1
                else:
                    counts[classify(frames)] += 1
            print(f"  {sum(counts.values())} samples in the benchmark, {unmeasured} outside it",
                  file=sys.stderr)
        total = sum(counts.values()) or 1
        rows.append((variant, cpu, wall, {k: counts[k] / total for k in KINDS}, workers / total))
    print(f"| µs per saved tensor ({args.size} a step), training thread | CPU | "
          + " | ".join(KINDS) + " | stream workers |")
    print("| --- | ---: |" + " ---: |" * (len(KINDS) + 1))
    for variant, cpu, wall, share, workers in rows:
        print(f"| {variant} | {cpu:.2f} | " + " | ".join(f"{cpu * share[k]:.2f}" for k in KINDS)
              + f" | {cpu * workers:.2f} |")


if __name__ == "__main__":
    main()
