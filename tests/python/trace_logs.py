"""Logs for the tensorswap.trace and tensorswap.testing suites: one recorded
here by the engine, the crafted ones of tests/fuzz/corpus and tests/data,
and tswap-log to say what the C++ tools make of them."""

import os
import re
import subprocess
import time
from pathlib import Path

import pytest
import torch

import tensorswap as ts

SOURCE_DIR = Path(os.environ.get("TSWAP_SOURCE_DIR", Path(__file__).resolve().parents[2]))
CORPUS = SOURCE_DIR / "tests" / "fuzz" / "corpus"
V1_LOG = SOURCE_DIR / "tests" / "data" / "v1" / "transformer.tswap"
TAG = "model.layer.*"
LAYERS = 4
STEPS = 2


class Block(torch.nn.Module):
    """Linear saves its input, tanh its output: two swappable tensors a layer."""

    def __init__(self, width=64):
        super().__init__()
        self.linear = torch.nn.Linear(width, width)

    def forward(self, x):
        return torch.tanh(self.linear(x))


def train_steps(model, steps=STEPS, pause_s=0.0):
    for _ in range(steps):
        time.sleep(pause_s)
        # No requires_grad: the engine keeps a leaf that requires grad as a
        # parameter, and each layer would not save two swappable tensors alike.
        h = torch.randn(8, 64)
        for block in model:
            h = block(h)
        h.sum().backward()


def model():
    torch.manual_seed(0)
    return torch.nn.ModuleList([Block() for _ in range(LAYERS)])


def record(path, steps=STEPS, flush_interval_ms=50.0, pause_s=0.0):
    """A log of `steps` training steps of a 4-layer model, every layer swapped."""
    m = model()
    ts.options(min_bytes=0)  # the tensors are KiB; the default keeps under 1 MiB
    handle = ts.swap(m, TAG)
    try:
        with ts.profile(str(path), flush_interval_ms=flush_interval_ms):
            train_steps(m, steps, pause_s)
    finally:
        handle.remove()
    return Path(path)


def tswap_log(*args, check=True):
    """Runs the build tree's tswap-log (ctest passes its path)."""
    tool = os.environ.get("TSWAP_LOG_TOOL")
    if not tool:
        pytest.skip("TSWAP_LOG_TOOL is not set (run the suites through ctest)")
    return subprocess.run([tool, *map(str, args)], capture_output=True, text=True, check=check,
                          timeout=120)


def info(path):
    """`tswap-log info`, parsed: events, per kind counts, the complete line, header lines."""
    out = tswap_log("info", path).stdout
    fields = {}
    for line in out.splitlines()[1:]:
        m = re.match(r"  (\w[\w ]*?)\s{2,}(.*)$", line)
        if m:
            fields[m.group(1).strip()] = m.group(2)
    kinds = fields["by kind"].split()
    fields["by kind"] = {kinds[i]: int(kinds[i + 1]) for i in range(0, len(kinds), 2)}
    fields["events"] = int(fields["events"])
    return fields


def load_error(path):
    """What tswap-log says of a log it cannot read, without its 'tswap-log: ' prefix."""
    r = tswap_log("info", path, check=False)
    assert r.returncode == 3, r
    line = r.stderr.strip()
    assert line.startswith("tswap-log: "), line
    return line[len("tswap-log: "):]
