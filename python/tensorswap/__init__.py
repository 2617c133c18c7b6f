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

import importlib as _importlib

# Names are loaded on first use (PEP 562): the engine's pull in torch (first:
# the extension links PyTorch's own libtorch_python and shares its autograd
# engine), while ``tensorswap.trace`` needs only NumPy, so logs can be read
# where PyTorch is not installed. A TSWAP_LOG session starts when the engine
# loads, before it records anything.
_ENGINE = {
    "Counters", "DEFAULT_MIN_BYTES", "Options", "Runtime", "SessionStats", "Stats",
    "SwapContext", "SwapHandle", "accelerator_runtime", "layer_count", "name_thread",
    "no_swap", "options", "profile", "profiling", "reset_stats", "simulated_runtime",
    "stats", "swap", "unswap",
}
_MODULES = {"distributed", "trace", "testing"}

__all__ = sorted(_ENGINE | _MODULES)


def __getattr__(name):
    if name in _ENGINE:
        value = getattr(_importlib.import_module("._swap", __name__), name)
    elif name in _MODULES:
        value = _importlib.import_module("." + name, __name__)
    else:
        raise AttributeError(f"module 'tensorswap' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__():
    return __all__
