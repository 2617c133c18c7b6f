#!/usr/bin/env python3
"""Data-parallel training of gpt.py's GPT with torch.distributed (Gloo) and tensorswap.

One process per rank, started by a launcher that sets RANK, WORLD_SIZE,
MASTER_ADDR and MASTER_PORT (scripts/tswap-launch, or torchrun):

    scripts/tswap-launch -n 2 -- python3 samples/python/train_ddp.py --log run.{rank}.tswap

Each rank trains two copies of the model from the same weights, step by
step side by side: one plain, one whose blocks are swapped by tensorswap
("gpt.block.*"). Gradients are averaged over the ranks (all_reduce, then
divide) before each optimizer step. Every step's losses must be bitwise
equal between the two, on every rank; each rank records its own log,
tensorswap.distributed.align_clocks() putting its rank and clock offset to
rank 0 in the log's header. Exit status 0 when equal everywhere, 1 when not,
3 when a collective failed (a peer died).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys

import torch
import torch.distributed as dist

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gpt  # noqa: E402

import tensorswap  # noqa: E402
import tensorswap.distributed  # noqa: E402

BLOCK_TAG = "gpt.block.*"


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="train_ddp.py", description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--layers", type=int, default=4, help="blocks")
    p.add_argument("--width", type=int, default=64, help="model width")
    p.add_argument("--heads", type=int, default=4, help="attention heads")
    p.add_argument("--seq", type=int, default=32, help="tokens per sequence")
    p.add_argument("--vocab", type=int, default=256, help="vocabulary size")
    p.add_argument("--batch", type=int, default=4, help="sequences per rank and step")
    p.add_argument("--steps", type=int, default=3, help="training steps")
    p.add_argument("--lr", type=float, default=1e-2, help="AdamW learning rate")
    p.add_argument("--log", metavar="PATH",
                   help="record into PATH ({rank} is the rank) with tensorswap.profile")
    return p.parse_args(argv)


def step(model, optimizer, ids, world: int) -> tuple:
    loss = model.loss(ids)
    loss.backward()
    grads = []
    for p in model.parameters():  # one all_reduce per parameter: the same sums in both runs
        dist.all_reduce(p.grad)
        p.grad.div_(world)
        grads.append(p.grad.clone())
    optimizer.step()
    optimizer.zero_grad()
    return loss.detach(), grads


def main(argv=None) -> int:
    a = parse_args(argv)
    dist.init_process_group("gloo")  # env://: MASTER_ADDR, MASTER_PORT, RANK, WORLD_SIZE
    rank, world = dist.get_rank(), dist.get_world_size()
    config = gpt.Config(vocab=a.vocab, seq=a.seq, width=a.width, heads=a.heads, layers=a.layers)
    baseline, swapped = gpt.Gpt(config, seed=0), gpt.Gpt(config, seed=0)
    tensorswap.options(min_bytes=0, runtime=tensorswap.simulated_runtime(0.0, 0.0))
    tensorswap.swap(swapped.blocks, BLOCK_TAG)
    opt_baseline = torch.optim.AdamW(baseline.parameters(), lr=a.lr)
    opt_swapped = torch.optim.AdamW(swapped.parameters(), lr=a.lr)

    all_equal = True
    with contextlib.ExitStack() as stack:
        if a.log:
            stack.enter_context(tensorswap.profile(a.log))
        try:
            clock = tensorswap.distributed.align_clocks()
            print(f"rank {rank} of {world}: clock offset to rank 0 {clock.offset_ns / 1e3:+.3f} us "
                  f"+- {clock.uncertainty_ns / 1e3:.3f} us", flush=True)
            data = torch.Generator().manual_seed(1000 + rank)  # a batch of this rank's own
            for s in range(a.steps):
                ids = gpt.synthetic_batch(config, a.batch, data)
                la, ga = step(baseline, opt_baseline, ids, world)
                lb, gb = step(swapped, opt_swapped, ids, world)
                equal = torch.equal(la, lb) and all(torch.equal(x, y) for x, y in zip(ga, gb))
                all_equal = all_equal and equal
                print(f"step {s}  loss {la.item().hex()} without swap, {lb.item().hex()} with: "
                      f"{'bitwise equal' if equal else 'DIFFERENT'}", flush=True)
            flag = torch.tensor([1 if all_equal else 0])
            dist.all_reduce(flag, op=dist.ReduceOp.MIN)
        except RuntimeError as e:  # Gloo raises when a peer's connection closes
            print(f"train_ddp.py: rank {rank}: collective failed: {e}", file=sys.stderr)
            return 3
    everywhere = bool(flag.item())
    print("every rank's losses and gradients are bitwise equal to the run without swapping"
          if everywhere else "MISMATCH: swapping changed a loss or gradient on some rank")
    dist.destroy_process_group()
    return 0 if everywhere else 1


if __name__ == "__main__":
    sys.exit(main())
