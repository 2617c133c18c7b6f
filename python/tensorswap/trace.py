"""Reading tensorswap logs (.tswap) from Python.

The C++ trace library (tswap::trace, the one ``tswap-log`` and the viewer
use) reads and checks the file; this module hands its results to Python::

    import tensorswap.trace
    log = tensorswap.trace.load("run.tswap")
    log.events                      # NumPy structured array, one row per event
    log.to_pandas()                 # the same as a DataFrame, kinds and tags by name
    log.summary().tags              # the numbers of `tswap-log summary`
    log.check()                     # the violations `tswap-log check` reports
    log.event_order()               # the lines golden files hold

A file that is not a readable log raises :class:`TraceError` with the
reader's message, naming the file and the byte offset. A log cut short (a
crash, a full disk) loads what survived: ``log.complete`` is False and
``log.incomplete_reason`` says what was lost.
"""

from __future__ import annotations

import dataclasses
import os
import sys
from typing import Callable, Dict, List, Union

from . import _trace

TraceError = _trace.TraceError
Header = _trace.Header
Completeness = _trace.Completeness
Summary = _trace.Summary
LayerSummary = _trace.LayerSummary
StepMemory = _trace.StepMemory
Violation = _trace.Violation
Unfinished = _trace.Unfinished
CheckResult = _trace.CheckResult
OrderDiff = _trace.OrderDiff

#: The newest log format version this reader knows (older ones load too).
FORMAT_VERSION: int = _trace.FORMAT_VERSION
#: EventKind code -> name ("d2h_queued", ...), every kind the reader knows.
KINDS: Dict[int, str] = dict(_trace.kinds)
#: ``reason`` of a ``kept`` event -> name, and of a ``release`` event.
KEEP_REASONS: Dict[int, str] = dict(_trace.keep_reasons)
RELEASE_REASONS: Dict[int, str] = dict(_trace.release_reasons)
#: Bits of the ``flags`` column.
FLAG_PREFETCH: int = _trace.FLAG_PREFETCH
FLAG_WAIT_H2D: int = _trace.FLAG_WAIT_H2D
FLAG_DEVICE_TIME: int = _trace.FLAG_DEVICE_TIME
#: The dtype of ``Trace.events``: host_ns, value, index, step, tag, layer,
#: kind, stream, reason, flags (the Record fields) and thread.
EVENT_DTYPE = _trace.event_dtype()

_KIND_CODES = {name: code for code, name in KINDS.items()}

Progress = Union[bool, Callable[[int, int], object], None]


@dataclasses.dataclass(frozen=True)
class Info:
    """What ``tswap-log info`` says of a log, as values."""

    path: str
    version: int
    process: str
    pid: int
    host: str
    device: str
    copy_timing: str
    clock: str
    monotonic_start_ns: int
    wall_start_ns: int
    duration_ns: int
    file_bytes: int
    events: int
    tags: List[str]
    streams: List[str]
    threads: List[str]
    complete: bool
    incomplete_reason: str
    records_dropped: int
    by_kind: Dict[str, int]


class Trace:
    """A loaded log: immutable, events sorted by host time (ties in writing order).

    ``events`` is built once, on first use, and is read-only. Ids in its
    ``tag``, ``stream`` and ``thread`` columns name entries of
    ``tag_names``, ``stream_names`` and ``thread_names`` (0: none).
    """

    def __init__(self, cpp: "_trace.Trace"):
        self._cpp = cpp
        self._events = None

    # What the file is.
    @property
    def path(self) -> str:
        return self._cpp.path

    @property
    def header(self) -> Header:
        return self._cpp.header

    @property
    def run(self):
        """Where the process stood in a distributed run: ``.rank`` (None for
        a process on its own), ``.world_size``, ``.local_rank``, ``.run_id``,
        ``.clock_offset_ns`` and ``.clock_uncertainty_ns`` (``.clock_aligned``)."""
        return self._cpp.run

    @property
    def completeness(self) -> Completeness:
        return self._cpp.completeness

    @property
    def complete(self) -> bool:
        """The session stopped and wrote its end chunk."""
        return self._cpp.completeness.clean_end

    @property
    def incomplete_reason(self) -> str:
        """Why the log ends where it does, with byte offsets; '' when complete."""
        return self._cpp.completeness.incomplete_reason

    @property
    def duration_ns(self) -> int:
        return self._cpp.duration_ns

    @property
    def file_bytes(self) -> int:
        return self._cpp.file_bytes

    # The events.
    @property
    def events(self):
        if self._events is None:
            self._events = self._cpp.events()
        return self._events

    def __len__(self) -> int:
        return len(self._cpp)

    @property
    def kinds(self) -> Dict[int, str]:
        """EventKind code -> name, for the ``kind`` column."""
        return KINDS

    @property
    def tag_names(self) -> Dict[int, str]:
        return self._cpp.tags

    @property
    def stream_names(self) -> Dict[int, str]:
        return self._cpp.streams

    @property
    def thread_names(self) -> Dict[int, str]:
        return self._cpp.threads

    def count(self, kind: Union[str, int]) -> int:
        """How many events of ``kind`` ("d2h_done" or its code) the log holds."""
        import numpy as np

        return int(np.count_nonzero(self.events["kind"] == _kind_code(kind)))

    def by_kind(self) -> Dict[str, int]:
        """Events per kind name, for the kinds present (as ``tswap-log info`` counts them)."""
        import numpy as np

        codes, counts = np.unique(self.events["kind"], return_counts=True)
        return {KINDS.get(int(c), f"kind {int(c)}"): int(n) for c, n in zip(codes, counts)}

    def describe(self, index: int) -> str:
        """Event ``index`` for people: "12.345678 ms d2h_queued model.layer.* L3 #5 step 2 ..."."""
        return self._cpp.describe(index)

    def to_pandas(self):
        """The events as a pandas DataFrame: the numeric columns as they are,
        ``kind``, ``tag``, ``stream`` and ``thread`` as categoricals of names
        (missing where the id is 0 or names nothing)."""
        try:
            import pandas as pd
        except ImportError as e:
            raise ImportError(
                "tensorswap.trace.Trace.to_pandas() needs pandas, which this Python "
                f"({sys.executable}) cannot import: install it (pip install pandas, or "
                "Debian's python3-pandas), or use Trace.events, the NumPy array") from e
        import numpy as np

        ev = self.events
        columns = {name: ev[name] for name in ev.dtype.names}
        columns["kind"] = _categorical(pd, np, ev["kind"], KINDS)
        columns["tag"] = _categorical(pd, np, ev["tag"], self.tag_names)
        columns["stream"] = _categorical(pd, np, ev["stream"], self.stream_names)
        columns["thread"] = _categorical(pd, np, ev["thread"], self.thread_names)
        return pd.DataFrame(columns)

    # What the C++ library works out of it.
    def summary(self) -> Summary:
        """The numbers of ``tswap-log summary``: ``.tags`` (one total per tag,
        layer -1), ``.layers`` (by tag, then layer), ``.steps``, ``.memory``."""
        return self._cpp.summary()

    def check_schedule(self) -> CheckResult:
        """The ordering rules of ``tswap-log check``: ``.violations`` and the
        swaps the log ends before (``.unfinished``, no rule broken)."""
        return self._cpp.check_schedule()

    def check(self) -> List[Violation]:
        """The broken ordering rules; empty when every rule holds."""
        return self.check_schedule().violations

    def event_order(self) -> List[str]:
        """The events without times, one block per lane: the lines golden files hold."""
        return self._cpp.event_order()

    @property
    def info(self) -> Info:
        h, c = self.header, self.completeness
        return Info(
            path=self.path, version=h.version, process=h.process, pid=h.pid, host=h.host,
            device=h.device, copy_timing=h.copy_timing, clock=h.clock,
            monotonic_start_ns=h.monotonic_start_ns, wall_start_ns=h.wall_start_ns,
            duration_ns=self.duration_ns, file_bytes=self.file_bytes, events=len(self),
            tags=list(self.tag_names.values()), streams=list(self.stream_names.values()),
            threads=list(self.thread_names.values()), complete=c.clean_end,
            incomplete_reason=c.incomplete_reason, records_dropped=c.records_dropped,
            by_kind=self.by_kind())

    def __str__(self) -> str:
        # The C++ line GoogleTest prints: "the log PATH (N events; tags ...; complete)".
        return repr(self._cpp)

    def __repr__(self) -> str:
        return f"<tensorswap.trace.Trace: {self._cpp!r}>"


def load(path: Union[str, "os.PathLike[str]"], progress: Progress = False) -> Trace:
    """Reads and validates the log at ``path``.

    ``progress``: True draws a progress line on stderr for a large log; a
    callable gets (bytes done, total) now and then (an exception it raises
    stops the load and is raised here). Raises :class:`TraceError`.
    """
    path = os.fspath(path)
    line = _ProgressLine(path) if progress is True else None
    callback = line if line is not None else (progress or None)
    try:
        return Trace(_trace.load(path, callback))
    finally:
        if line is not None:
            line.close()


def diff_order(a: Trace, b: Trace) -> OrderDiff:
    """Where two logs' event orders part (``tswap-log diff``)."""
    return _trace.diff_order(a._cpp, b._cpp)


def _kind_code(kind: Union[str, int]) -> int:
    if isinstance(kind, str):
        try:
            return _KIND_CODES[kind]
        except KeyError:
            raise ValueError(f"tensorswap.trace: no event kind {kind!r}; the kinds are "
                             f"{', '.join(KINDS.values())}") from None
    return int(kind)


def _categorical(pd, np, ids, names: Dict[int, str]):
    """ids -> a Categorical of names, in id order; ids with no name are missing."""
    ordered = sorted(names)
    lookup = np.full(max(ordered + [int(ids.max()) if len(ids) else 0]) + 1, -1, dtype=np.int32)
    lookup[ordered] = np.arange(len(ordered), dtype=np.int32)
    return pd.Categorical.from_codes(lookup[ids], categories=[names[i] for i in ordered])


class _ProgressLine:
    """load(progress=True): one line on stderr, redrawn in place, ended by close()."""

    def __init__(self, path: str):
        self.path = path
        self.drawn = False

    def __call__(self, done: int, total: int) -> None:
        share = done / total if total else 1.0
        sys.stderr.write(f"\rloading {self.path}: {100 * share:5.1f}%")
        sys.stderr.flush()
        self.drawn = True

    def close(self) -> None:
        if self.drawn:
            sys.stderr.write("\n")
            sys.stderr.flush()


__all__ = [
    "CheckResult", "Completeness", "EVENT_DTYPE", "FLAG_DEVICE_TIME", "FLAG_PREFETCH",
    "FLAG_WAIT_H2D", "FORMAT_VERSION", "Header", "Info", "KEEP_REASONS", "KINDS", "LayerSummary",
    "OrderDiff", "RELEASE_REASONS", "StepMemory", "Summary", "Trace", "TraceError", "Unfinished",
    "Violation", "diff_order", "load",
]
