"""Scopes, options and recording sessions: the engine's API for Python."""

from __future__ import annotations

import copy
import functools
import weakref
from dataclasses import dataclass, fields, replace
from typing import Callable, Iterable, List, Optional

import torch

from . import _C


@dataclass(frozen=True)
class Options:
    """How the engine swaps: the fields of C++ ``tswap::SwapOptions``.

    ``min_bytes``: tensors smaller than this stay on the device (default 1 MiB).
    ``prefetch_depth``: layers brought back ahead of backward (0: on demand).
    ``keep_last``: a tag's last layers that stay on the device (1 or more).
    ``max_copies_in_flight``: copies out queued at once per layer (0: no limit).
    ``observe``: swap nothing, log what would be swapped (for the advisor).
    ``runtime``: a ``tensorswap.Runtime``; None picks one by the tensor's device.
    ``predicate``: a callable (tensor -> bool); False keeps the tensor on the
    device. It runs once per saved tensor, in Python: keep it cheap.

    The environment (``TSWAP_KEEP_LAST``, ``TSWAP_PREFETCH_DEPTH``,
    ``TSWAP_MAX_COPIES_IN_FLIGHT``, ``TSWAP_MIN_BYTES``, ``TSWAP_OBSERVE``)
    overrides these, as in C++.
    """

    enabled: bool = True
    min_bytes: int = _C.DEFAULT_MIN_BYTES
    prefetch_depth: int = 1
    keep_last: int = 1
    max_copies_in_flight: int = 0
    observe: bool = False
    runtime: Optional[_C.Runtime] = None
    predicate: Optional[Callable[[torch.Tensor], bool]] = None

    def _to_cpp(self) -> _C.SwapOptions:
        o = _C.SwapOptions()
        o.enabled = _boolean("enabled", self.enabled)
        o.min_bytes = _non_negative("min_bytes", self.min_bytes, _SIZE_MAX)
        o.prefetch_depth = _non_negative("prefetch_depth", self.prefetch_depth)
        o.keep_last = _non_negative("keep_last", self.keep_last)
        if o.keep_last < 1:
            raise ValueError("tensorswap: keep_last must be 1 or more, got 0: a tag's last layer "
                             "runs backward first, so swapping it would only make backward wait")
        o.max_copies_in_flight = _non_negative("max_copies_in_flight", self.max_copies_in_flight)
        o.observe = _boolean("observe", self.observe)
        if self.runtime is not None and not isinstance(self.runtime, _C.Runtime):
            raise TypeError(
                "tensorswap: runtime must be a tensorswap.Runtime "
                "(tensorswap.simulated_runtime(), tensorswap.accelerator_runtime('cuda:0')), "
                f"not {type(self.runtime).__name__}")
        o.runtime = self.runtime
        if self.predicate is not None:
            if not callable(self.predicate):
                raise TypeError("tensorswap: predicate must be callable (tensor -> bool)")
            o.set_predicate(self.predicate)
        return o


_OPTION_NAMES = tuple(f.name for f in fields(Options))
# The process-wide defaults as Python set them; C++ holds the real ones.
_defaults = Options()


_INT_MAX = 2**31 - 1   # the C++ fields are int ...
_SIZE_MAX = 2**64 - 1  # ... and min_bytes a size_t


def _non_negative(name: str, value, most: int = _INT_MAX) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"tensorswap: {name} must be an int, not {type(value).__name__}")
    if value < 0:
        raise ValueError(f"tensorswap: {name} must be 0 or more, got {value}")
    if value > most:
        raise ValueError(f"tensorswap: {name} must be at most {most}, got {value}")
    return value


def _boolean(name: str, value) -> bool:
    # "no" or 2 would read as True: ask for what is meant.
    if not isinstance(value, bool):
        raise TypeError(f"tensorswap: {name} must be True or False, not {value!r}")
    return value


def _with_changes(base: Options, changes: dict, caller: str) -> Options:
    unknown = sorted(set(changes) - set(_OPTION_NAMES))
    if unknown:
        raise TypeError(f"tensorswap: {caller}() got unknown option(s) {', '.join(unknown)}; "
                        f"the options are {', '.join(_OPTION_NAMES)}")
    return replace(base, **changes)


def options(replacement: Optional[Options] = None, /, **changes) -> Options:
    """The process-wide default options; with arguments, changes them first.

    ``tensorswap.options(min_bytes=0, prefetch_depth=2)`` applies to every
    context made without options of its own, from its next saved tensor on.
    ``tensorswap.options(saved)`` puts back an ``Options`` returned earlier
    (``saved = tensorswap.options()``), keywords then change that. Values out
    of range raise ValueError or TypeError naming the option, and change
    nothing.
    """
    global _defaults
    if replacement is not None and not isinstance(replacement, Options):
        raise TypeError("tensorswap: options() takes an Options (from tensorswap.options()) "
                        f"and keywords, not {type(replacement).__name__}")
    if replacement is not None or changes:
        new = _with_changes(replacement or _defaults, changes, "options")
        _C.set_default_options(new._to_cpp())
        _defaults = new
    return _defaults


class SwapContext:
    """One layer instance under a module tag; ``with context:`` scopes its forward.

    Every tensor autograd saves for backward inside the block, on this
    thread, goes to the engine under the tag and the layer's place in the
    step (layers are numbered in the order they are entered). ``*`` in the
    tag stands for the layer index ("model.layer.*").

    Without keyword options the context follows the process defaults
    (``tensorswap.options()``) as they are when tensors are saved. With
    some, it gets its own options: the defaults of the moment it is made,
    with those fields changed (see ``Options``).

    Your own ``torch.autograd.graph.saved_tensors_hooks`` nest with it: the
    innermost hooks get the tensor. An exception leaving the block ends the
    tag's step and leaves no scope open.
    """

    def __init__(self, tag: str, **options):
        if not isinstance(tag, str):
            raise TypeError(f"tensorswap: a module tag is a str, not {type(tag).__name__}")
        self._options = _with_changes(_defaults, options, "SwapContext") if options else None
        self._cpp = _C.SwapContext(tag, self._options._to_cpp() if self._options else None)

    def __deepcopy__(self, memo) -> "SwapContext":
        # copy.deepcopy(model) of a swapped model: the copy's layers are new
        # layers of the same tag, with the same options.
        copy = SwapContext.__new__(SwapContext)
        copy._options = self._options
        copy._cpp = _C.SwapContext(self.tag, self._options._to_cpp() if self._options else None)
        return copy

    def __reduce__(self):
        # Pickling a swapped model (torch.save(model)): the tag and options.
        return (_restore_context, (self.tag, self._options))

    @property
    def tag(self) -> str:
        return self._cpp.tag

    @property
    def layer(self) -> int:
        """This context's index among the live contexts of its tag (creation order)."""
        return self._cpp.layer

    @property
    def options(self) -> Optional[Options]:
        """This context's own options, or None if it follows the defaults."""
        return self._options

    def __enter__(self) -> "SwapContext":
        self._cpp.enter()
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        self._cpp.exit(exc_type is not None)

    def __repr__(self) -> str:
        return f"tensorswap.SwapContext({self.tag!r}, layer={self.layer})"


def _restore_context(tag: str, options: Optional[Options]) -> SwapContext:
    context = SwapContext.__new__(SwapContext)
    context._options = options
    context._cpp = _C.SwapContext(tag, options._to_cpp() if options else None)
    return context


class no_swap:
    """``with tensorswap.no_swap():`` tensors saved inside stay with autograd,
    even inside a SwapContext (C++ ``tswap::NoSwapScope``)."""

    def __init__(self):
        self._cpp = _C.NoSwap()

    def __enter__(self):
        self._cpp.enter()
        return self

    def __exit__(self, exc_type, exc, tb):
        self._cpp.exit()


class SwapHandle:
    """What ``swap()`` returns: ``remove()`` undoes it.

    It holds its modules weakly, as their forwards do: a model is freed, and
    its contexts end, when its last reference goes, handle or not."""

    def __init__(self, modules: List[torch.nn.Module]):
        self._modules = [weakref.ref(m) for m in modules]

    @property
    def modules(self) -> List[torch.nn.Module]:
        """The swapped modules still alive."""
        return [m for m in (r() for r in self._modules) if m is not None]

    @property
    def contexts(self) -> List[SwapContext]:
        """Their contexts, one per module, in the order swap() was given them."""
        return [m.__dict__["_tensorswap_context"] for m in self.modules
                if m.__dict__.get("_tensorswap_context") is not None]

    def remove(self) -> None:
        """Gives each module its own forward back; their contexts end."""
        unswap(self.modules)
        self._modules = []

    def __enter__(self) -> "SwapHandle":
        return self

    def __exit__(self, *exc) -> None:
        self.remove()

    def __len__(self) -> int:
        return len(self.contexts)

    def __repr__(self) -> str:
        tags = sorted({c.tag for c in self.contexts})
        return f"tensorswap.SwapHandle({len(self.contexts)} modules, tags {tags})"


def unswap(modules) -> int:
    """Gives swapped modules their own forward back, however they came to be
    swapped (``swap()``, a deep copy or a pickle of a swapped model); others
    are left alone. ``modules`` as for ``swap()``, or a whole model: every
    swapped submodule. Returns how many were unswapped."""
    if isinstance(modules, torch.nn.Module):
        modules = list(modules.modules())
    count = 0
    for m in modules:
        if isinstance(m, torch.nn.Module) and m.__dict__.get("_tensorswap_context") is not None:
            del m.__dict__["forward"]
            del m.__dict__["_tensorswap_context"]
            count += 1
    return count


def swap(modules, tag: str, **options) -> SwapHandle:
    """Swaps what each module's forward saves: one SwapContext per module.

    ``modules``: a ``torch.nn.ModuleList`` or ``Sequential`` (its children),
    or any iterable of modules: each is one layer of ``tag``, numbered in the
    order forward calls them. Keyword options apply to these contexts (see
    ``Options``). Returns a handle whose ``remove()`` undoes it.
    """
    if isinstance(modules, torch.nn.Module) and not isinstance(
            modules, (torch.nn.ModuleList, torch.nn.Sequential)):
        modules = [modules]
    modules = list(modules)
    if not modules:
        raise ValueError("tensorswap: swap() got no modules (an empty ModuleList?)")
    # Everything is checked before anything changes: a refused swap() leaves
    # no module half swapped.
    seen = {}
    for i, m in enumerate(modules):
        if not isinstance(m, torch.nn.Module):
            raise TypeError(f"tensorswap: swap() item {i} is a {type(m).__name__}, not a torch.nn.Module")
        if id(m) in seen:
            raise ValueError(f"tensorswap: swap() got module {seen[id(m)]} ({type(m).__name__}) "
                             f"again as item {i}; each module is one layer")
        seen[id(m)] = i
        existing = m.__dict__.get("_tensorswap_context")
        if existing is not None:
            raise ValueError(f"tensorswap: module {i} ({type(m).__name__}) is already swapped under "
                             f"tag {existing.tag!r}; remove() that handle first, or "
                             "tensorswap.unswap(module)")
        if "forward" in m.__dict__:
            raise ValueError(f"tensorswap: module {i} ({type(m).__name__}) has a forward of its own "
                             "instance (another wrapper?); swap() scopes the class's forward. Use "
                             "`with tensorswap.SwapContext(tag):` inside it instead")
    contexts = [SwapContext(tag, **options) for _ in modules]  # may refuse the options
    for m, context in zip(modules, contexts):
        m.__dict__["_tensorswap_context"] = context
        m.__dict__["forward"] = _ScopedForward(m, context)
    return SwapHandle(modules)


class _ScopedForward:
    """A module's forward inside its context.

    An object, not a closure, so that copy.deepcopy(model) and pickling give
    the copy a forward of its own module in a context of its own (a closure
    would call the original). It holds its module weakly: the module holds
    it, and a cycle would keep a deleted model's contexts alive until the
    garbage collector ran, counted among the tag's live layers."""

    def __init__(self, module: torch.nn.Module, context: SwapContext):
        self._module = weakref.ref(module)
        self.context = context
        functools.update_wrapper(self, type(module).forward)

    @property
    def module(self) -> torch.nn.Module:
        return self._module()

    def __call__(self, *args, **kwargs):
        module = self._module()
        with self.context:
            return type(module).forward(module, *args, **kwargs)

    def __deepcopy__(self, memo) -> "_ScopedForward":
        # The module is being copied (deepcopy reached this through its
        # __dict__): memo has its copy.
        return _ScopedForward(copy.deepcopy(self.module, memo), copy.deepcopy(self.context, memo))

    def __reduce__(self):
        return (_ScopedForward, (self.module, self.context))


Counters = _C.Counters
Stats = _C.Stats
SessionStats = _C.SessionStats
Runtime = _C.Runtime
simulated_runtime = _C.simulated_runtime
accelerator_runtime = _C.accelerator_runtime
layer_count = _C.layer_count
DEFAULT_MIN_BYTES = _C.DEFAULT_MIN_BYTES


def stats() -> Stats:
    """A snapshot of the engine's counters: ``.total`` and ``.per_tag[tag]``."""
    return _C.stats()


def reset_stats() -> None:
    """Sets every counter to zero (the bytes resident now stay counted)."""
    _C.reset_stats()


def profiling() -> bool:
    """True while a recording session is active (``profile`` or ``TSWAP_LOG``)."""
    return _C.session_active()


def name_thread(name: str) -> None:
    """Names the calling thread in logs (and for NVTX): "trainer", "loader 2"."""
    _C.name_thread(str(name))


class profile:
    """``with tensorswap.profile("run.tswap"):`` records the engine into a log.

    One session per process at a time (``TSWAP_LOG`` starts one when the
    engine loads). ``path`` may hold {rank}, {local_rank}, {world_size},
    {pid} and {host}; one rank of several gets its rank before the extension
    when the path names none (``.path`` is then the file written).
    ``device``: free text for the log's header (e.g. "cuda:0 H100").
    ``clock``: "auto" (the CPU's time stamp counter where it is invariant,
    else steady_clock), "steady" or "tsc"; the log is in CLOCK_MONOTONIC ns
    whichever. ``compression``: "none" or "zstd" (records chunks compressed
    at ``compression_level``; docs/profiling.md). After the block,
    ``.stats`` says how many records were written and whether any were
    dropped.
    """

    def __init__(self, path, device: str = "", flush_interval_ms: float = 50.0,
                 clock: str = "auto", compression: str = "none", compression_level: int = 1):
        if not (isinstance(flush_interval_ms, (int, float)) and 1 <= flush_interval_ms <= 60_000):
            raise ValueError("tensorswap: flush_interval_ms must be 1 to 60000 (how often the "
                             f"writer drains the buffers), got {flush_interval_ms!r}")
        if clock not in ("auto", "steady", "tsc"):
            raise ValueError(f"tensorswap: clock must be 'auto', 'steady' or 'tsc', got {clock!r}")
        if compression not in ("none", "zstd"):
            raise ValueError(f"tensorswap: compression must be 'none' or 'zstd', got {compression!r}")
        if not isinstance(compression_level, int) or isinstance(compression_level, bool):
            raise ValueError(f"tensorswap: compression_level must be an int, got {compression_level!r}")
        self.path = str(path)
        self.device = device
        self.flush_interval_ms = flush_interval_ms
        self.clock = clock
        self.compression = compression
        self.compression_level = compression_level
        self.stats: Optional[_C.SessionStats] = None

    def __enter__(self) -> "profile":
        requested = self.path
        _C.start_session(requested, self.device, self.flush_interval_ms, self.clock,
                         self.compression, self.compression_level)
        # The file written: placeholders ({rank}, {pid}, ...) filled in, and a
        # rank's number added where several ranks would share the name.
        self.path = _C.expand_log_path(requested)
        return self

    def __exit__(self, *exc) -> None:
        _C.stop_session()
        self.stats = _C.session_stats()  # the stopped session's, all flushed
