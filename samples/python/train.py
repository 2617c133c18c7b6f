#!/usr/bin/env python3
"""Trains the small GPT of gpt.py on synthetic tokens with tensorswap.

The Python counterpart of the C++ transformer sample: each block's forward
is swapped under the tag "gpt.block.*" and, with --swap mlp, each block's
MLP under "gpt.block.*.mlp" (nested in the block). Prints every step's loss
(also as float.hex(), so two runs can be compared bit for bit) and, at the
end, what tensorswap did per tag.

    python3 train.py                          # a few seconds on a CPU
    python3 train.py --swap blocks,mlp --link-gbps 0.05 --log run.tswap
    python3 train.py --no-swap                # the same losses, bit for bit
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gpt  # noqa: E402

import tensorswap  # noqa: E402

BLOCK_TAG = "gpt.block.*"
MLP_TAG = "gpt.block.*.mlp"
SWAP_CHOICES = {"blocks": BLOCK_TAG, "mlp": MLP_TAG}


def tags(text: str) -> list:
    if text == "none":
        return []
    names = text.split(",")
    for name in names:
        if name not in SWAP_CHOICES:
            raise argparse.ArgumentTypeError(
                f"takes blocks, mlp, both comma-separated, or none; got {name!r}")
    return sorted(set(names), key=list(SWAP_CHOICES).index)


def non_negative(kind):
    def parse(text):
        value = kind(text)
        if value < 0:
            raise argparse.ArgumentTypeError(f"must be 0 or more, got {text}")
        return value
    return parse


def positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, got {text}")
    return value


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="train.py",
        description="Trains a small GPT on synthetic tokens on the CPU, its activations swapped by "
                    "tensorswap through the simulated runtime (CPU tensors, worker threads as copy "
                    "streams, a modelled link).",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    model = p.add_argument_group("model and training")
    model.add_argument("--layers", type=positive, default=4, help="blocks")
    model.add_argument("--width", type=positive, default=64, help="model width; the MLP is 4x")
    model.add_argument("--heads", type=positive, default=4,
                       help="attention heads, dividing --width")
    model.add_argument("--seq", type=positive, default=32, help="tokens per sequence")
    model.add_argument("--vocab", type=positive, default=256, help="vocabulary size")
    model.add_argument("--batch", type=positive, default=8, help="sequences per step")
    model.add_argument("--steps", type=positive, default=8, help="training steps")
    model.add_argument("--lr", type=float, default=1e-2, help="AdamW learning rate")
    model.add_argument("--seed", type=int, default=0, help="seed of the weights and the data")
    swapping = p.add_argument_group("swapping")
    swapping.add_argument("--swap", type=tags, default=["blocks"], metavar="TAGS",
                          help=f"which layers swap, comma-separated: blocks ({BLOCK_TAG}), "
                               f"mlp ({MLP_TAG}, each block's MLP), or none")
    swapping.add_argument("--no-swap", action="store_true",
                          help="plain PyTorch: no tensorswap context at all (as --swap none)")
    swapping.add_argument("--min-bytes", type=non_negative(int), default=0,
                          help="keep saved tensors smaller than this on the device (0 here: the "
                               f"sample's tensors are small; tensorswap's default is "
                               f"{tensorswap.DEFAULT_MIN_BYTES} bytes)")
    swapping.add_argument("--prefetch-depth", type=non_negative(int), default=1,
                          help="layers backward brings back ahead; 0 = on demand")
    swapping.add_argument("--link-gbps", type=non_negative(float), default=0.0,
                          help="simulated link bandwidth in GB/s; 0 = unlimited")
    swapping.add_argument("--latency-us", type=non_negative(float), default=0.0,
                          help="simulated link latency per copy, in microseconds")
    profiling = p.add_argument_group("profiling")
    profiling.add_argument("--log", metavar="PATH",
                           help="record the run into PATH with tensorswap.profile (a .tswap log; "
                                "TSWAP_LOG=PATH records the whole process instead)")
    a = p.parse_args(argv)
    if a.width % a.heads != 0:
        p.error(f"--heads {a.heads} does not divide --width {a.width}")
    if a.no_swap:
        a.swap = []
    return a


def mib(n: float) -> str:
    return f"{n / 2**20:.2f}"


def print_stats(stats: "tensorswap.Stats", steps: int) -> None:
    """What the engine did, one row per tag and a row for all of them."""
    columns = ("tag", "saved MiB/step", "kept", "out", "in", "prefetched", "released", "deferred",
               "peak MiB", "stall ms")
    rows = []
    for tag, c in sorted(stats.per_tag.items()) + [("all tags", stats.total)]:
        rows.append((tag, mib(c.bytes_saved / steps), str(c.tensors_kept),
                     str(c.tensors_swapped_out), str(c.tensors_swapped_in), str(c.prefetches),
                     str(c.releases), str(c.deferred_releases), mib(c.peak_resident_bytes),
                     f"{c.stall_ns / 1e6:.2f}"))
    widths = [max(len(r[i]) for r in rows + [columns]) for i in range(len(columns))]
    for r in [columns] + rows:  # the tag left-aligned, the figures right-aligned
        print("  ".join(r[0].ljust(widths[0]) if i == 0 else r[i].rjust(widths[i])
                        for i in range(len(r))))
    print("kept: saved tensors left on the device (parameters among them); out, in: tensors\n"
          "copied to host and back; peak: device-resident bytes of saved activations at their most")
    # Without swapping, every tensor a step saves is resident when its forward ends
    # (the engine counts only what is saved inside its scopes: the swapped tags).
    saved, peak = stats.total.bytes_saved / steps, stats.total.peak_resident_bytes
    print(f"peak device-resident activations saved under these tags: {mib(saved)} MiB without "
          f"swapping, {mib(peak)} MiB with ({100 * peak / saved if saved else 0:.0f}%)")


def main(argv=None) -> int:
    a = parse_args(argv)
    config = gpt.Config(vocab=a.vocab, seq=a.seq, width=a.width, heads=a.heads, layers=a.layers)
    model = gpt.Gpt(config, seed=a.seed)
    optimizer = torch.optim.AdamW(model.parameters(), lr=a.lr)

    runtime = tensorswap.simulated_runtime(a.link_gbps, a.latency_us)
    tensorswap.options(min_bytes=a.min_bytes, prefetch_depth=a.prefetch_depth, runtime=runtime)
    if "blocks" in a.swap:
        tensorswap.swap(model.blocks, BLOCK_TAG)
    if "mlp" in a.swap:
        tensorswap.swap([b.mlp for b in model.blocks], MLP_TAG)

    link = "unlimited" if a.link_gbps == 0 else f"{a.link_gbps:g} GB/s"
    print(f"GPT of {a.layers} blocks, width {a.width}, {a.heads} heads, {a.seq} tokens, "
          f"vocab {a.vocab}, batch {a.batch}, {a.steps} steps on the CPU "
          f"(simulated link: {link}, {a.latency_us:g} us)")
    print("swapping:", ", ".join(SWAP_CHOICES[t] for t in a.swap) or "none (plain PyTorch)")
    print()

    data = torch.Generator().manual_seed(1000 + a.seed)
    session = None
    with contextlib.ExitStack() as stack:
        if a.log:
            try:
                session = stack.enter_context(tensorswap.profile(a.log))  # stops at the block's end
            except RuntimeError as e:  # another session records already, or the file cannot be made
                print(f"train.py: cannot record to {a.log}: {e}", file=sys.stderr)
                return 2
        tensorswap.reset_stats()
        print("step        loss  loss.hex()                  time")
        for step in range(a.steps):
            ids = gpt.synthetic_batch(config, a.batch, data)
            start = time.perf_counter()
            loss = model.loss(ids)
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()
            ms = (time.perf_counter() - start) * 1e3
            value = loss.item()
            print(f"{step:4d}  {value:10.6f}  {value.hex():24s}  {ms:7.1f} ms")

    print()
    if a.swap:
        print_stats(tensorswap.stats(), a.steps)
    else:
        print("no tag swapped: tensorswap.stats() has nothing to say")
    if session is not None:
        s = session.stats
        print(f"\nrecorded {a.log} ({s.records_written} records, {s.records_dropped} dropped): "
              f"tswap-log summary {a.log}, tswap-viewer {a.log}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
