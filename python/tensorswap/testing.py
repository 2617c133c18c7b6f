"""Regression tests on logged events, for pytest: the Python side of the
C++ helpers in include/tswap/testing.h, with the same golden files::

    import tensorswap as ts
    from tensorswap.testing import (assert_golden_order, assert_ordering_rules,
                                    recorded_run, source_relative)

    def test_swap_schedule_is_unchanged():
        with recorded_run() as run:
            model(x).sum().backward()
        assert_ordering_rules(run.trace)
        assert_golden_order(run.trace, source_relative(__file__, "golden/step.order"))

``TSWAP_UPDATE_GOLDEN=1`` writes the golden files instead of comparing
(creating their directory); ``TSWAP_KEEP_LOGS=1`` keeps the recorded logs
and says where. A ``log`` argument is a :class:`tensorswap.trace.Trace` or
the path of a log.
"""

from __future__ import annotations

import itertools
import os
import sys
import tempfile
from typing import List, Optional, Union

from . import trace as _trace
from ._swap import profile

Log = Union[_trace.Trace, str, "os.PathLike[str]"]

_run_numbers = itertools.count()


def _flag(name: str) -> bool:
    """Set to something other than "" and "0" (as the C++ helpers read it)."""
    return os.environ.get(name, "") not in ("", "0")


def _as_trace(log: Log) -> _trace.Trace:
    if isinstance(log, _trace.Trace):
        return log
    if isinstance(log, (str, os.PathLike)):
        return _trace.load(log)
    raise TypeError(f"tensorswap.testing: expected a tensorswap.trace.Trace or a log's path, "
                    f"not {type(log).__name__}")


def source_relative(source_file: Union[str, "os.PathLike[str]"], relative: str) -> str:
    """``relative`` resolved against the directory of ``source_file``, meant
    for ``__file__``: the golden file beside the test, whatever directory
    pytest runs in."""
    base = os.path.dirname(os.path.abspath(os.fspath(source_file)))
    return os.path.normpath(os.path.join(base, relative))


def count(log: Log, kind: Union[str, int]) -> int:
    """How many events of ``kind`` ("d2h_done", or its code) the log holds."""
    return _as_trace(log).count(kind)


def assert_ordering_rules(log: Log) -> _trace.CheckResult:
    """No rule of ``tswap-log check`` is broken; the AssertionError lists the
    violations if one is. Swaps the log ends before break no rule: they are
    mentioned with a violation, and pass alone. Returns the check's result."""
    __tracebackhide__ = True
    t = _as_trace(log)
    r = t.check_schedule()
    if not r.violations:
        return r
    lines = [f"{t} breaks an ordering rule:"]
    lines += [f"  {v.rule}: {v.message}" for v in r.violations]
    if r.unfinished:
        n = len(r.unfinished)
        lines.append(f"  the log ends before the backward of {n} tag step{'' if n == 1 else 's'} "
                     f"(incomplete, no rule broken): {r.unfinished[0].message}")
    raise AssertionError("\n".join(lines))


def _write_golden(path: str, lines: List[str]) -> None:
    directory = os.path.dirname(path)
    try:
        if directory:
            os.makedirs(directory, exist_ok=True)
        with open(path, "w", encoding="utf-8", newline="\n") as f:
            f.writelines(line + "\n" for line in lines)
    except OSError as e:
        raise AssertionError(f"cannot write {path}: {e.strerror or e} "
                             "(TSWAP_UPDATE_GOLDEN=1)") from e


def _read_golden(path: str) -> Optional[List[str]]:
    try:
        with open(path, "r", encoding="utf-8", errors="surrogateescape", newline="") as f:
            text = f.read()
    except OSError:
        return None
    # As std::getline reads it: a last "\n" ends the last line, it starts no other.
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def assert_golden_order(log: Log, golden_path: Union[str, "os.PathLike[str]"]) -> None:
    """The log's event order (``Trace.event_order()``) equals the lines of
    ``golden_path``, the file format of the C++ ``MatchesGoldenOrder``; the
    AssertionError names the first differing line. With
    ``TSWAP_UPDATE_GOLDEN=1``, writes the file instead, creating its
    directory. A relative path is read from the working directory: name
    files beside the test with ``source_relative(__file__, ...)``."""
    __tracebackhide__ = True
    t = _as_trace(log)
    path = os.fspath(golden_path)
    got = t.event_order()
    if os.environ.get("TSWAP_UPDATE_GOLDEN") == "1":
        _write_golden(path, got)
        return
    want = _read_golden(path)
    if want is None:
        message = f"cannot read {path}"
        if not os.path.isabs(path):
            message += (f" (relative to the working directory {os.getcwd()}; "
                        "tensorswap.testing.source_relative(__file__, ...) names it beside the test)")
        raise AssertionError(message + "; TSWAP_UPDATE_GOLDEN=1 writes it")
    for i in range(max(len(got), len(want))):
        g = got[i] if i < len(got) else "(end)"
        w = want[i] if i < len(want) else "(end)"
        if g != w:
            raise AssertionError(
                f"{t}: line {i + 1} of {path}:\n"
                f"  expected: {w}\n  recorded: {g}\n"
                f"({len(want)} lines expected, {len(got)} recorded; "
                "TSWAP_UPDATE_GOLDEN=1 rewrites the file)")


class RecordedRun:
    """Records everything inside ``with`` into a temporary log (C++
    ``tswap::testing::RecordedRun``); ``.trace`` is the loaded log after the
    block, or ``stop()`` ends the recording early and returns it. The file
    is deleted when the block ends unless ``TSWAP_KEEP_LOGS`` is set (to
    anything but "" or "0"); then its path is printed on stderr. One at a
    time per process (one recording session at most)."""

    def __init__(self, path: Optional[str] = None):
        self.path = path or os.path.join(
            tempfile.gettempdir(), f"tswap-test-{os.getpid()}-{next(_run_numbers)}.tswap")
        self.trace: Optional[_trace.Trace] = None
        self._session: Optional[profile] = None

    def __enter__(self) -> "RecordedRun":
        self._session = profile(self.path)
        self._session.__enter__()
        return self

    def stop(self) -> _trace.Trace:
        """Stops the session (once) and loads the log."""
        if self._session is not None:
            session, self._session = self._session, None
            session.__exit__(None, None, None)
        if self.trace is None:
            self.trace = _trace.load(self.path)
        return self.trace

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            if exc_type is None:
                self.stop()
            elif self._session is not None:
                # The block failed: end the session, and let its error be the one raised.
                session, self._session = self._session, None
                session.__exit__(exc_type, exc, tb)
        finally:
            if _flag("TSWAP_KEEP_LOGS"):
                print(f"tensorswap.testing: kept the recorded log {self.path} (TSWAP_KEEP_LOGS)",
                      file=sys.stderr)
            else:
                try:
                    os.remove(self.path)
                except FileNotFoundError:
                    pass


def recorded_run(path: Optional[str] = None) -> RecordedRun:
    """``with recorded_run() as run: ...`` then ``run.trace``: see RecordedRun."""
    return RecordedRun(path)


__all__ = [
    "RecordedRun",
    "assert_golden_order",
    "assert_ordering_rules",
    "count",
    "recorded_run",
    "source_relative",
]
