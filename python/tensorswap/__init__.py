"""tensorswap: swap the activations autograd saves for backward to host memory.

The same C++ engine as in LibTorch programs, for PyTorch training scripts::

    import tensorswap
    tensorswap.swap(model.layers, "model.layer.*")   # one context per layer
    with tensorswap.profile("run.tswap"):            # or TSWAP_LOG=run.tswap
        loss = model(x).sum()
        loss.backward()
    print(tensorswap.stats().per_tag["model.layer.*"])

See docs/python.md.
"""

# torch first: the extension links PyTorch's own libtorch_python and shares
# its autograd engine.
import torch as _torch  # noqa: F401

from . import _C
from ._swap import (
    Options,
    SwapContext,
    SwapHandle,
    no_swap,
    options,
    profile,
    swap,
)
# Logs and pytest helpers. trace needs numpy (torch has imported it already)
# and imports pandas only in to_pandas().
from . import trace, testing

Counters = _C.Counters
Stats = _C.Stats
SessionStats = _C.SessionStats
Runtime = _C.Runtime
simulated_runtime = _C.simulated_runtime
accelerator_runtime = _C.accelerator_runtime
layer_count = _C.layer_count
DEFAULT_MIN_BYTES = _C.DEFAULT_MIN_BYTES


def stats() -> "Stats":
    """A snapshot of the engine's counters: ``.total`` and ``.per_tag[tag]``."""
    return _C.stats()


def reset_stats() -> None:
    """Sets every counter to zero (the bytes resident now stay counted)."""
    _C.reset_stats()


def profiling() -> bool:
    """True while a recording session is active (``profile`` or ``TSWAP_LOG``)."""
    return _C.session_active()


__all__ = [
    "Counters",
    "DEFAULT_MIN_BYTES",
    "Options",
    "Runtime",
    "SessionStats",
    "Stats",
    "SwapContext",
    "SwapHandle",
    "accelerator_runtime",
    "layer_count",
    "no_swap",
    "options",
    "profile",
    "profiling",
    "reset_stats",
    "simulated_runtime",
    "stats",
    "swap",
]
