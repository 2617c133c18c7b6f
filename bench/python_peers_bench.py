#!/usr/bin/env python3
"""tensorswap beside its Python peers: cost per saved tensor and step-time ratio.

One model, one input, every variant in one process, side by side:

  none             plain PyTorch, nothing offloaded
  save_on_cpu      torch.autograd.graph.save_on_cpu() (pin_memory=False)
  save_on_cpu_pin  torch.autograd.graph.save_on_cpu(pin_memory=True)
  torchtune        a torchtune-style OffloadActivations hook (TorchtuneStyleOffload below)
  tensorswap_py    tensorswap from Python: tensorswap.swap(blocks, "model.layer.*")
  tensorswap_cpp   tensorswap from C++ (tswap-bench-python-peers, run as a
                   subprocess on the same model, weights and input; its own
                   C++ 'none' is its baseline)

With --diagnostics, three more rows split tensorswap's Python cost:

  identity_hooks   saved_tensors_hooks(lambda t: t, lambda t: t): what any
                   Python-hook approach pays before it does anything
  tensorswap_off   tensorswap.swap(..., enabled=False): scopes entered and
                   hooks pushed, pack hands every tensor straight back
  cpp_kept         C++ scopes whose predicate keeps every tensor (hooks only)

The model is `--layers` residual blocks x + fc2(gelu(fc1(x))) (width -> 4 width
-> width), loss = output.sum(); weights and input come from one CPU
generator seeded with --seed (the C++ program draws the same numbers in the
same order). A step is forward + backward with gradients reset to None.

Per-saved-tensor cost = (step time of the variant - step time of none) /
saved tensors per step (counted with a counting saved_tensors_hooks pass),
taken per repeat (variants are interleaved in a shuffled order each repeat,
so each difference pairs runs made close together) and the median over
repeats reported. The C++ row pairs with the C++ program's own 'none'.

Before timing, every variant runs one step whose gradients must be bitwise
equal to none's (the C++ row's gradient checksums must match the Python
ones), and what each variant moved is counted: the exit status is 1 if
gradients differ or a variant that must copy copied nothing.

On a CPU-only machine the 'device' is the CPU: save_on_cpu()'s tensor.cpu()
of a CPU tensor returns the tensor itself (nothing copied, either way);
save_on_cpu(pin_memory=True) copies each tensor into a fresh CPU tensor at
pack and hands it back as it is at unpack (.to() of a CPU tensor); the
torchtune-style hook copies at pack and, standing in for the copy back to
the device, copies at unpack too; tensorswap's simulated runtime copies
out and back on its own stream threads, with prefetch and release.

  PYTHONPATH=build/python /usr/bin/python3 bench/python_peers_bench.py --help
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import math
import os
import platform
import pstats
import random
import statistics
import subprocess
import sys
import time
from typing import Callable, Dict, List, Optional

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.autograd.graph import save_on_cpu, saved_tensors_hooks

try:
    import tensorswap as ts
except ImportError as e:  # pragma: no cover - a message, not a crash
    sys.exit(f"python_peers_bench: cannot import tensorswap ({e}); run with "
             "PYTHONPATH=<build>/python and the Python that has torch (/usr/bin/python3)")

TAG = "model.layer.*"


# --------------------------------------------------------------------------
# The model


class Block(nn.Module):
    """x + fc2(gelu(fc1(x))). Built around given Linear modules, so that two
    Block lists can share one set of parameters (one is swapped)."""

    def __init__(self, fc1: nn.Linear, fc2: nn.Linear):
        super().__init__()
        self.fc1 = fc1
        self.fc2 = fc2

    def forward(self, x):
        return x + self.fc2(F.gelu(self.fc1(x)))


def make_linears(layers: int, width: int, batch: int, seed: int):
    """The parameters and input, drawn as the C++ program draws them."""
    g = torch.Generator().manual_seed(seed)
    linears = []
    with torch.no_grad():
        for _ in range(layers):
            fc1 = nn.Linear(width, 4 * width)
            fc2 = nn.Linear(4 * width, width)
            fc1.weight.copy_(torch.randn(4 * width, width, generator=g) * (1.0 / math.sqrt(width)))
            fc1.bias.copy_(torch.randn(4 * width, generator=g) * 0.1)
            fc2.weight.copy_(torch.randn(width, 4 * width, generator=g) * (1.0 / math.sqrt(4 * width)))
            fc2.bias.copy_(torch.randn(width, generator=g) * 0.1)
            linears.append((fc1, fc2))
    x = torch.randn(batch, width, generator=g)
    return linears, x


class Model:
    def __init__(self, args):
        self.linears, self.input = make_linears(args.layers, args.width, args.batch, args.seed)
        self.params = [p for pair in self.linears for m in pair for p in m.parameters()]

    def blocks(self) -> nn.ModuleList:
        """A fresh list of Blocks over the shared parameters."""
        return nn.ModuleList(Block(fc1, fc2) for fc1, fc2 in self.linears)

    def step(self, blocks: nn.ModuleList) -> None:
        for p in self.params:
            p.grad = None
        x = self.input
        for b in blocks:
            x = b(x)
        x.sum().backward()

    def grads(self) -> List[torch.Tensor]:
        return [p.grad.clone() for p in self.params]

    def checksums(self):
        """What the C++ program reports: sums over the gradients, in order, in double."""
        s = a = 0.0
        for p in self.params:
            g = p.grad.to(torch.float64)
            s += g.sum().item()
            a += g.abs().sum().item()
        return s, a


# --------------------------------------------------------------------------
# A torchtune-style offloading hook


class TorchtuneStyleOffload(saved_tensors_hooks):
    """Activation offloading written the way torchtune's OffloadActivations
    (torchtune/training/_activation_offloading.py) does it.

    pack: each saved tensor gets an id from a counter; one that is at least
    `min_offload_size` bytes (element_size * nelement) and is not a
    Parameter or buffer is copied into torch.empty_like(..., device="cpu",
    pin_memory=...) with copy_(non_blocking=True) and tracked as
    id -> (cpu tensor, modified=True); smaller ones are tracked as they are.
    With CUDA streams (use_streams), the copy runs on a side stream after
    the compute stream's work, an event is recorded, and the activation is
    kept in a forward stash (id -> (tensor, event)) until the copy is done;
    the stash is drained once it holds more than `max_fwd_stash_size`.
    unpack: looks the id up, brings an offloaded tensor back to its device
    (non_blocking; with streams on the side stream, the compute stream
    waiting for it), drops the tracker entry. First-forward/first-backward
    flags check that each backward emptied the tracker.

    Differences from torchtune, on purpose: on a CPU-only machine the
    'device' is the CPU, and .to("cpu") of a CPU tensor would copy nothing,
    so unpack copies the tensor back into a fresh one (the stand-in for the
    copy to the device); pinned memory only with CUDA; the psutil check of
    host memory is left out (it runs once per run). The CUDA stream path is
    a simplified version of torchtune's (it keeps the brought-back tensor
    alive with record_stream instead of per-node events) and was not run in
    this repository's measurements (no GPU).
    """

    def __init__(self, min_offload_size: int = 1024, use_pin_memory: Optional[bool] = None,
                 use_streams: Optional[bool] = None, max_fwd_stash_size: int = 5):
        cuda = torch.cuda.is_available()
        self.min_tensor_size_bytes = min_offload_size
        self.use_pin_memory = cuda if use_pin_memory is None else use_pin_memory
        self.use_streams = cuda if use_streams is None else use_streams
        if self.use_streams and not cuda:
            raise ValueError("use_streams needs CUDA")
        if max_fwd_stash_size < 1:
            raise ValueError(f"max_fwd_stash_size should be at least 1, got {max_fwd_stash_size}")
        self.max_fwd_stash_size = max_fwd_stash_size
        self.tracker: Dict[int, tuple] = {}  # id -> (tensor, modified, device)
        self.tensor_id = 0
        self.is_first_forward_call = True
        self.is_first_backward_call = True
        self.offloaded = 0  # counted for the benchmark's check, not torchtune's
        if self.use_streams:
            self.s0 = torch.cuda.default_stream()
            self.s1 = torch.cuda.Stream()
            self.fwd_stash: Dict[int, tuple] = {}  # id -> (activation, event)
        buffer_type = getattr(nn, "Buffer", None)  # torch >= 2.5

        def pack_tensor(activation: torch.Tensor) -> int:
            if self.is_first_forward_call:
                assert not self.tracker, "backward should have emptied the tracker"
                self.is_first_forward_call = False
                self.is_first_backward_call = True
            num_bytes = activation.element_size() * activation.nelement()
            self.tensor_id += 1
            tensor_id = self.tensor_id
            is_param = isinstance(activation, nn.Parameter) or (
                buffer_type is not None and isinstance(activation, buffer_type))
            if num_bytes >= self.min_tensor_size_bytes and not is_param:
                if self.use_streams:
                    # Tensors offloaded long enough ago: their copies are done.
                    for old in list(self.fwd_stash.keys()):
                        if old > tensor_id - self.max_fwd_stash_size:
                            break
                        _, ev = self.fwd_stash.pop(old)
                        self.s0.wait_event(ev)
                    self.s1.wait_stream(self.s0)
                    stream = self.s1
                else:
                    stream = None
                with torch.cuda.stream(stream) if stream is not None else _nullcontext():
                    cpu_tensor = torch.empty_like(activation, pin_memory=self.use_pin_memory,
                                                  device="cpu")
                    cpu_tensor.copy_(activation, non_blocking=True)
                self.tracker[tensor_id] = (cpu_tensor, True, activation.device)
                if self.use_streams:
                    self.fwd_stash[tensor_id] = (activation, self.s1.record_event())
                self.offloaded += 1
            else:
                self.tracker[tensor_id] = (activation, False, activation.device)
            return tensor_id

        def unpack_tensor(unpack_tensor_id: int) -> torch.Tensor:
            if self.is_first_backward_call:
                self.is_first_backward_call = False
                self.is_first_forward_call = True
            assert unpack_tensor_id in self.tracker, f"untracked tensor with id {unpack_tensor_id}"
            tensor, modified, device = self.tracker[unpack_tensor_id]
            if modified:
                if self.use_streams and unpack_tensor_id in self.fwd_stash:
                    tensor = self.fwd_stash.pop(unpack_tensor_id)[0]  # still on the device
                elif self.use_streams:
                    with torch.cuda.stream(self.s1):
                        back = tensor.to(device, non_blocking=True)
                    self.s0.wait_stream(self.s1)
                    back.record_stream(self.s0)
                    tensor = back
                elif device.type == "cpu":
                    back = torch.empty_like(tensor)  # the simulated device's copy back
                    back.copy_(tensor, non_blocking=True)
                    tensor = back
                else:
                    tensor = tensor.to(device, non_blocking=True)
            del self.tracker[unpack_tensor_id]
            return tensor

        super().__init__(pack_tensor, unpack_tensor)


class _nullcontext:
    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return False


# --------------------------------------------------------------------------
# Variants


class Variant:
    """name, what the table calls it, and a step function over one model."""

    def __init__(self, name: str, label: str, step: Callable[[], None]):
        self.name = name
        self.label = label
        self.step = step


def python_variants(model: Model, diagnostics: bool) -> Dict[str, Variant]:
    plain = model.blocks()
    pin = torch.cuda.is_available()
    soc = save_on_cpu(pin_memory=False)
    soc_pin = save_on_cpu(pin_memory=True)
    tune = TorchtuneStyleOffload(min_offload_size=0)  # tiny tensors too, as tensorswap's min_bytes=0
    swapped = model.blocks()
    ts.swap(swapped, TAG)

    def with_hooks(hooks):
        def step():
            with hooks:
                model.step(plain)
        return step

    v = {
        "none": Variant("none", "no offloading", lambda: model.step(plain)),
        "save_on_cpu": Variant("save_on_cpu", "save_on_cpu()", with_hooks(soc)),
        "save_on_cpu_pin": Variant("save_on_cpu_pin",
                                   "save_on_cpu(pin_memory=True)" + ("" if pin else ", unpinned"),
                                   with_hooks(soc_pin)),
        "torchtune": Variant("torchtune", "torchtune-style OffloadActivations", with_hooks(tune)),
        "tensorswap_py": Variant("tensorswap_py", "tensorswap from Python",
                                 lambda: model.step(swapped)),
    }
    v["torchtune"].hooks = tune
    v["save_on_cpu"].hooks = soc
    v["save_on_cpu_pin"].hooks = soc_pin
    if diagnostics:
        identity = saved_tensors_hooks(lambda t: t, lambda t: t)
        off = model.blocks()
        ts.swap(off, "model.off.*", enabled=False)
        v["identity_hooks"] = Variant("identity_hooks", "(diag) identity saved_tensors_hooks",
                                      with_hooks(identity))
        v["tensorswap_off"] = Variant("tensorswap_off", "(diag) tensorswap, enabled=False",
                                      lambda: model.step(off))
    return v


# --------------------------------------------------------------------------
# Checks: saved tensors, gradients, what was moved


def count_saved(model: Model, plain: nn.ModuleList) -> int:
    n = 0

    def pack(t):
        nonlocal n
        n += 1
        return t

    with saved_tensors_hooks(pack, lambda t: t):
        model.step(plain)
    return n


def copies_of(hooks: saved_tensors_hooks, run: Callable[[], None]) -> int:
    """Saved tensors whose packed form does not share the original's storage."""
    inner = hooks.pack_hook
    copied = 0

    def pack(t):
        nonlocal copied
        packed = inner(t)
        held = packed[1] if isinstance(packed, tuple) else packed
        if isinstance(held, torch.Tensor) and held.data_ptr() != t.data_ptr():
            copied += 1
        return packed

    hooks.pack_hook = pack
    try:
        run()
    finally:
        hooks.pack_hook = inner
    return copied


def check(model: Model, variants: Dict[str, Variant], saved: int) -> Dict[str, dict]:
    """One step each: gradients against none's, and what was moved."""
    out: Dict[str, dict] = {}
    variants["none"].step()
    reference = model.grads()
    for name, v in variants.items():
        info: dict = {}
        if name in ("save_on_cpu", "save_on_cpu_pin"):
            info["copied_out_per_step"] = copies_of(v.hooks, v.step)
            info["copied_back_per_step"] = 0 if not torch.cuda.is_available() else None
        elif name == "torchtune":
            before = v.hooks.offloaded
            v.step()
            info["copied_out_per_step"] = v.hooks.offloaded - before
            info["copied_back_per_step"] = info["copied_out_per_step"]
            if v.hooks.tracker:
                info["error"] = "tracker not empty after backward"
        elif name in ("tensorswap_py", "tensorswap_off"):
            ts.reset_stats()
            v.step()
            c = ts.stats().total
            info["copied_out_per_step"] = c.tensors_swapped_out
            info["copied_back_per_step"] = c.tensors_swapped_in
            info["prefetches_per_step"] = c.prefetches
            info["tensors_saved_in_scopes"] = c.tensors_saved
        else:
            v.step()
        grads = model.grads()
        info["grads_equal"] = all(torch.equal(a, b) for a, b in zip(reference, grads))
        info["max_abs_grad_diff"] = max((a - b).abs().max().item() for a, b in zip(reference, grads))
        out[name] = info
    variants["none"].step()
    out["_checksums"] = model.checksums()
    return out


# --------------------------------------------------------------------------
# The C++ program


def default_cpp_path() -> str:
    # <build>/python/tensorswap/__init__.py -> <build>/bench/tswap-bench-python-peers
    build = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(ts.__file__))))
    return os.path.join(build, "bench", "tswap-bench-python-peers")


def run_cpp(path: str, args, steps: int) -> Dict[str, dict]:
    cmd = [path, "--layers", str(args.layers), "--width", str(args.width), "--batch",
           str(args.batch), "--steps", str(steps), "--seed", str(args.seed),
           "--benchmark_format=json"]
    if not args.diagnostics:
        cmd.append("--benchmark_filter=peers/(none|tensorswap)")
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({p.returncode}):\n{p.stderr}")
    data = json.loads(p.stdout)
    rows = {}
    for b in data["benchmarks"]:
        name = b["name"].split("/")[1]
        unit = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}[b.get("time_unit", "ns")]
        b["step_s"] = b["real_time"] * unit
        rows[name] = b
    return rows


# --------------------------------------------------------------------------
# Timing


def time_variant(step: Callable[[], None], steps: int) -> float:
    """Seconds per step: torch.utils.benchmark.Timer, which warms up first
    (max(steps // 100, 2) steps) and then times `steps` steps in one block."""
    from torch.utils.benchmark import Timer

    t = Timer(stmt="step()", globals={"step": step}, num_threads=1)
    return t.timeit(steps).median


def median(xs):
    return statistics.median(xs) if xs else float("nan")


def measure(model: Model, variants: Dict[str, Variant], args, cpp: Optional[str]):
    times: Dict[str, List[float]] = {name: [] for name in variants}
    cpp_times: Dict[str, List[float]] = {}
    stalls: Dict[str, List[float]] = {}  # the engine's stall_ns per step, per repeat
    rng = random.Random(args.seed)
    order = list(variants) + (["<cpp>"] if cpp else [])
    for r in range(args.repeats):
        rng.shuffle(order)
        for name in order:
            if name == "<cpp>":
                rows = run_cpp(cpp, args, args.steps)
                for k, row in rows.items():
                    cpp_times.setdefault(k, []).append(row["step_s"])
                stalls.setdefault("tensorswap_cpp", []).append(rows["tensorswap"]["stall_ns_per_step"])
            else:
                ts.reset_stats()
                times[name].append(time_variant(variants[name].step, args.steps))
                if name == "tensorswap_py":  # the Timer ran its warmup steps too
                    ran = args.steps + max(args.steps // 100, 2)
                    stalls.setdefault(name, []).append(ts.stats().total.stall_ns / ran)
        if not args.quiet:
            print(f"  repeat {r + 1}/{args.repeats} done", file=sys.stderr)
    return times, cpp_times, stalls


def summarize(name: str, label: str, ts_: List[float], bs: List[float], saved: int) -> dict:
    """One row: the variant's times against its baseline's, repeat by repeat."""
    diffs = [a - b for a, b in zip(ts_, bs)]
    ratios = [a / b for a, b in zip(ts_, bs)]
    return {
        "variant": name,
        "label": label,
        "step_ms": median(ts_) * 1e3,
        "step_ms_min": min(ts_) * 1e3,
        "step_ms_max": max(ts_) * 1e3,
        "baseline_ms": median(bs) * 1e3,
        "baseline_ms_min": min(bs) * 1e3,
        "per_tensor_us": median(diffs) / saved * 1e6,
        "per_tensor_us_min": min(diffs) / saved * 1e6,
        "per_tensor_us_max": max(diffs) / saved * 1e6,
        # the fastest step of each: least disturbed by other jobs
        "per_tensor_us_of_mins": (min(ts_) - min(bs)) / saved * 1e6,
        "ratio": median(ratios),
        "times_s": ts_,
    }


# --------------------------------------------------------------------------
# Profiling


def profile(step: Callable[[], None], steps: int, top: int) -> str:
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(steps):
        step()
    prof.disable()
    s = io.StringIO()
    pstats.Stats(prof, stream=s).sort_stats("tottime").print_stats(top)
    return s.getvalue()


# --------------------------------------------------------------------------


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(
        description="Per-saved-tensor cost and step-time ratio of tensorswap (Python and C++) "
        "beside save_on_cpu and a torchtune-style offloading hook, on one model and input.",
        epilog="Run with PYTHONPATH=<build>/python and /usr/bin/python3. Tiny tensors "
        "(the defaults) give the per-tensor cost; --width 256 --batch 32 gives a step whose "
        "copies are real work.")
    ap.add_argument("--layers", type=int, default=32, help="residual blocks (default 32)")
    ap.add_argument("--width", type=int, default=16, help="block width, hidden 4x (default 16)")
    ap.add_argument("--batch", type=int, default=4, help="input rows (default 4)")
    ap.add_argument("--steps", type=int, default=100, help="steps timed per variant per repeat (default 100)")
    ap.add_argument("--repeats", type=int, default=7, help="interleaved repeats; medians are over these (default 7)")
    ap.add_argument("--seed", type=int, default=0, help="weights and input (default 0)")
    ap.add_argument("--json", metavar="OUT", help="write every figure to OUT as JSON")
    ap.add_argument("--cpp", metavar="PATH", help="tswap-bench-python-peers (default: the build "
                    "tree's, next to the imported tensorswap)")
    ap.add_argument("--no-cpp", action="store_true", help="leave out the C++ row")
    ap.add_argument("--diagnostics", action="store_true",
                    help="also identity hooks, tensorswap enabled=False and C++ kept (the cost split)")
    ap.add_argument("--profile", type=int, metavar="STEPS", default=0,
                    help="after timing, cProfile STEPS steps of tensorswap_py and of none")
    ap.add_argument("--check-only", action="store_true",
                    help="only the checks (gradients, copies), no timing: a smoke run")
    ap.add_argument("--run-only", metavar="VARIANT",
                    help="after the checks, run --steps steps of VARIANT and nothing else (for perf "
                    "record and other outside profilers); tensorswap_cpp is not one")
    ap.add_argument("--quiet", action="store_true", help="no progress on stderr")
    args = ap.parse_args(argv)
    for k in ("layers", "width", "batch", "steps", "repeats"):
        if getattr(args, k) < 1:
            ap.error(f"--{k} must be 1 or more")
    if args.layers < 2:
        ap.error("--layers must be 2 or more (tensorswap keeps the last layer on the device)")

    torch.set_num_threads(1)  # as the C++ program: the simulated streams need the other core
    ts.options(min_bytes=0, prefetch_depth=1, keep_last=1)

    cpp = None
    if not args.no_cpp:
        cpp = args.cpp or default_cpp_path()
        if not os.access(cpp, os.X_OK):
            print(f"python_peers_bench: no C++ program at {cpp} (build tswap_bench_python_peers, "
                  "pass --cpp, or --no-cpp)", file=sys.stderr)
            return 2

    model = Model(args)
    variants = python_variants(model, args.diagnostics)
    saved = count_saved(model, model.blocks())
    checks = check(model, variants, saved)
    checksum, abs_checksum = checks.pop("_checksums")

    failures = []
    for name, info in checks.items():
        if not info["grads_equal"]:
            failures.append(f"{name}: gradients differ from none's (max |diff| {info['max_abs_grad_diff']:g})")
        if "error" in info:
            failures.append(f"{name}: {info['error']}")
    if checks["torchtune"]["copied_out_per_step"] == 0:
        failures.append("torchtune: copied nothing")
    if checks["tensorswap_py"]["copied_out_per_step"] == 0:
        failures.append("tensorswap_py: swapped nothing")

    cpp_check = None
    if cpp:
        rows = run_cpp(cpp, args, 1)
        t = rows["tensorswap"]
        cpp_check = {
            "tensors_saved_per_step": t["tensors_saved_per_step"],
            "copied_out_per_step": t["tensors_swapped_out_per_step"],
            "copied_back_per_step": t["tensors_swapped_in_per_step"],
        }
        for k, row in rows.items():
            rel = max(abs(row["grad_sum"] - checksum) / max(abs(checksum), 1e-30),
                      abs(row["grad_abs_sum"] - abs_checksum) / max(abs_checksum, 1e-30))
            cpp_check[f"{k}_checksum_rel_diff"] = rel
            if rel > 1e-6:
                failures.append(f"C++ {k}: gradient checksums differ from Python's (relative {rel:g})")
        if t["tensors_swapped_out_per_step"] == 0:
            failures.append("tensorswap_cpp: swapped nothing")
        if t["tensors_saved_per_step"] != checks["tensorswap_py"]["tensors_saved_in_scopes"]:
            failures.append(f"C++ saves {t['tensors_saved_per_step']} tensors a step, Python "
                            f"{checks['tensorswap_py']['tensors_saved_in_scopes']}")

    print(f"model: {args.layers} blocks of {args.width} -> {4 * args.width} -> {args.width}, "
          f"batch {args.batch}; {saved} saved tensors per step "
          f"(largest {args.batch * 4 * args.width * 4} B); torch {torch.__version__}, "
          f"{os.cpu_count()} CPUs, torch threads 1")
    print("checks (one step each):")
    for name, info in checks.items():
        moved = f"copied out {info.get('copied_out_per_step')}, back {info.get('copied_back_per_step')}" \
            if "copied_out_per_step" in info else ""
        print(f"  {name:16} gradients {'bitwise equal' if info['grads_equal'] else 'DIFFER'}  {moved}")
    if cpp_check:
        print(f"  {'tensorswap_cpp':16} gradient checksums vs Python: relative "
              f"{cpp_check['tensorswap_checksum_rel_diff']:.1e} (C++ none "
              f"{cpp_check['none_checksum_rel_diff']:.1e}); copied out "
              f"{cpp_check['copied_out_per_step']:g}, back {cpp_check['copied_back_per_step']:g}")
    for f in failures:
        print(f"FAILED: {f}", file=sys.stderr)

    result = {
        "args": vars(args),
        "machine": {"platform": platform.platform(), "cpus": os.cpu_count(),
                    "torch": torch.__version__, "python": platform.python_version(),
                    "loadavg_before": os.getloadavg()},
        "saved_tensors_per_step": saved,
        "checks": checks,
        "cpp_check": cpp_check,
        "failures": failures,
    }
    if args.run_only and not failures:
        if args.run_only not in variants:
            print(f"python_peers_bench: --run-only takes one of {', '.join(variants)}", file=sys.stderr)
            return 2
        t0 = time.perf_counter()
        for _ in range(args.steps):
            variants[args.run_only].step()
        print(f"{args.run_only}: {args.steps} steps, {(time.perf_counter() - t0) / args.steps * 1e3:.3f} ms a step")
        return 0
    if args.check_only or failures:
        if args.json:
            with open(args.json, "w") as f:
                json.dump(result, f, indent=2)
        return 1 if failures else 0

    t0 = time.time()
    times, cpp_times, stalls = measure(model, variants, args, cpp)
    base = times["none"]
    rows = [summarize(n, variants[n].label, times[n], base, saved) for n in variants]
    if cpp:
        cbase = cpp_times["none"]
        rows.append(summarize("tensorswap_cpp", "tensorswap from C++", cpp_times["tensorswap"], cbase, saved))
        if "kept" in cpp_times:
            rows.append(summarize("cpp_kept", "(diag) C++ scopes, predicate keeps all", cpp_times["kept"],
                                  cbase, saved))
    for r in rows:
        if r["variant"] in stalls:
            r["stall_us_per_step"] = median(stalls[r["variant"]]) / 1e3
    result["machine"]["loadavg_after"] = os.getloadavg()
    result["wall_s"] = time.time() - t0
    result["rows"] = rows

    print(f"\n{args.repeats} interleaved repeats of {args.steps} steps; medians "
          f"(per-tensor: paired differences, [min, max] over repeats):")
    print(f"  {'variant':44} {'step ms':>8} {'µs/tensor':>9} {'[min, max]':>15} {'of mins':>8} "
          f"{'ratio':>6} {'stall/step':>10}")
    for r in rows:
        rng_ = f"[{r['per_tensor_us_min']:.1f}, {r['per_tensor_us_max']:.1f}]"
        stall = f"{r['stall_us_per_step']:.0f} µs" if "stall_us_per_step" in r else ""
        print(f"  {r['label'][:44]:44} {r['step_ms']:8.3f} {r['per_tensor_us']:9.2f} {rng_:>15} "
              f"{r['per_tensor_us_of_mins']:8.2f} {r['ratio']:6.3f} {stall:>10}")
    if cpp:
        print(f"  (the C++ rows are against the C++ program's own none: {median(cpp_times['none']) * 1e3:.3f} ms)")
    print(f"load average before {result['machine']['loadavg_before'][0]:.2f}, "
          f"after {result['machine']['loadavg_after'][0]:.2f}")

    if args.profile:
        for name in ("none", "tensorswap_py"):
            text = profile(variants[name].step, args.profile, 25)
            result.setdefault("profile", {})[name] = text
            print(f"\ncProfile, {args.profile} steps of {name}:\n{text}")

    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
