"""A regression test on the swap schedule, as a user adds it to their CI
(pytest): one training step of the sample's GPT is recorded, and the order
of what the engine did (every copy out, release, copy back and prefetch,
per thread, without times) must match a file checked in beside this test.
A change to the model, its tags or tensorswap that moves a copy or a
release fails it and shows the first line that differs.

    python3 -m pytest samples/python/test_schedule.py                         # compare
    TSWAP_UPDATE_GOLDEN=1 python3 -m pytest samples/python/test_schedule.py   # accept a new one

The Python counterpart of samples/regression/schedule_test.cpp.
"""

import os
import sys

import pytest
import torch

import tensorswap
from tensorswap.testing import (assert_golden_order, assert_ordering_rules, count, recorded_run,
                                source_relative)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gpt  # noqa: E402

# Small enough to run in a second, with the tags train.py swaps.
CONFIG = gpt.Config(vocab=32, seq=8, width=16, heads=2, layers=3)


def one_step(tags):
    """One recorded forward and backward of a fresh model swapping `tags`."""
    model = gpt.Gpt(CONFIG, seed=0)
    ids = gpt.synthetic_batch(CONFIG, 2, torch.Generator().manual_seed(1))
    # min_bytes=0: the model's tensors are far below the default 1 MiB; swap them all, as a
    # real model's would be. The options are these contexts' own: nothing else changes.
    if "blocks" in tags:
        tensorswap.swap(model.blocks, "gpt.block.*", min_bytes=0)
    if "mlp" in tags:
        tensorswap.swap([b.mlp for b in model.blocks], "gpt.block.*.mlp", min_bytes=0)
    with recorded_run() as run:
        model.loss(ids).backward()
    return run.trace  # the model and its contexts end here


@pytest.mark.parametrize("tags, golden", [
    (("blocks",), "blocks.order"),
    (("blocks", "mlp"), "blocks_and_mlps.order"),
])
def test_swap_schedule_is_unchanged(tags, golden):
    log = one_step(tags)
    assert_ordering_rules(log)  # copies before releases, prefetch before use...
    assert_golden_order(log, source_relative(__file__, "golden/" + golden))


def test_each_block_and_its_mlp_is_a_layer():
    log = one_step(("blocks", "mlp"))
    assert count(log, "layer_enter") == 6  # three blocks, each with its MLP
    assert count(log, "d2h_done") == count(log, "h2d_done")  # what went out came back
