"""tensorswap.testing: the pytest side of include/tswap/testing.h, with the
same golden files, update switch and messages."""

import os
import re

import pytest

import tensorswap as ts
from tensorswap import testing, trace

from trace_logs import CORPUS, LAYERS, STEPS, TAG, info, model, record, train_steps, tswap_log


@pytest.fixture(scope="module")
def recorded(tmp_path_factory):
    return record(tmp_path_factory.mktemp("logs") / "run.tswap")


@pytest.fixture(scope="module")
def log(recorded):
    return trace.load(recorded)


@pytest.fixture
def no_golden_switches(monkeypatch):
    monkeypatch.delenv("TSWAP_UPDATE_GOLDEN", raising=False)
    monkeypatch.delenv("TSWAP_KEEP_LOGS", raising=False)


def broken_log():
    path = CORPUS / "broken.tswap"
    if not path.exists():
        pytest.skip(f"{path} is missing")
    return path


# Ordering rules.

def test_ordering_rules_hold_for_a_trace_and_for_a_path(recorded, log):
    assert testing.assert_ordering_rules(log).violations == []
    assert testing.assert_ordering_rules(str(recorded)).violations == []
    assert testing.assert_ordering_rules(recorded).violations == []


def test_ordering_rules_failure_lists_each_violation_as_tswap_log_check():
    path = broken_log()
    with pytest.raises(AssertionError) as caught:
        testing.assert_ordering_rules(path)
    lines = str(caught.value).splitlines()
    assert lines[0] == f"{trace.load(path)} breaks an ordering rule:"
    printed = tswap_log("check", path, check=False).stdout.splitlines()
    expected = ["  " + l[len(f"{path}: "):] for l in printed[:-1]]  # the last line counts them
    assert lines[1:] == expected
    assert len(expected) == 3


def test_ordering_rules_refuse_what_is_not_a_log():
    with pytest.raises(TypeError, match="a tensorswap.trace.Trace or a log's path"):
        testing.assert_ordering_rules(42)


# Golden orders.

def test_update_golden_writes_the_file_and_its_directory(log, tmp_path, monkeypatch):
    golden = tmp_path / "golden" / "nested" / "step.order"
    monkeypatch.setenv("TSWAP_UPDATE_GOLDEN", "1")
    testing.assert_golden_order(log, golden)
    # The C++ helper's format: one line each, each ended by "\n".
    assert golden.read_bytes() == "".join(l + "\n" for l in log.event_order()).encode()
    monkeypatch.delenv("TSWAP_UPDATE_GOLDEN")
    testing.assert_golden_order(log, golden)
    testing.assert_golden_order(log, str(golden))


def test_only_1_switches_the_update_on(log, tmp_path, monkeypatch):
    golden = tmp_path / "step.order"
    monkeypatch.setenv("TSWAP_UPDATE_GOLDEN", "yes")  # as C++: "1" and nothing else
    with pytest.raises(AssertionError, match="cannot read"):
        testing.assert_golden_order(log, golden)
    assert not golden.exists()


def test_golden_mismatch_names_the_first_differing_line(log, tmp_path, no_golden_switches):
    lines = log.event_order()
    changed = 4  # 0-based: the fifth line
    want = list(lines)
    want[changed] = "d2h_queued model.layer.* L9 #9 step 9"
    golden = tmp_path / "step.order"
    golden.write_text("".join(l + "\n" for l in want))
    with pytest.raises(AssertionError) as caught:
        testing.assert_golden_order(log, golden)
    assert str(caught.value) == (
        f"{log}: line {changed + 1} of {golden}:\n"
        f"  expected: d2h_queued model.layer.* L9 #9 step 9\n"
        f"  recorded: {lines[changed]}\n"
        f"({len(want)} lines expected, {len(lines)} recorded; TSWAP_UPDATE_GOLDEN=1 rewrites the file)")


def test_golden_shorter_or_longer_than_the_log(log, tmp_path, no_golden_switches):
    lines = log.event_order()
    golden = tmp_path / "short.order"
    golden.write_text("".join(l + "\n" for l in lines[:-2]))
    with pytest.raises(AssertionError) as caught:
        testing.assert_golden_order(log, golden)
    message = str(caught.value)
    assert f"line {len(lines) - 1} of {golden}:\n  expected: (end)\n  recorded: {lines[-2]}\n" in message
    assert f"({len(lines) - 2} lines expected, {len(lines)} recorded;" in message

    golden.write_text("".join(l + "\n" for l in lines + ["lane h2d 2"]))
    with pytest.raises(AssertionError, match=re.escape(
            f"line {len(lines) + 1} of {golden}:\n  expected: lane h2d 2\n  recorded: (end)")):
        testing.assert_golden_order(log, golden)


def test_golden_without_its_last_newline_still_matches(log, tmp_path, no_golden_switches):
    golden = tmp_path / "step.order"
    golden.write_text("\n".join(log.event_order()))  # std::getline reads it alike
    testing.assert_golden_order(log, golden)


def test_missing_golden_says_how_to_write_it(log, tmp_path, no_golden_switches, monkeypatch):
    absent = tmp_path / "absent.order"
    with pytest.raises(AssertionError) as caught:
        testing.assert_golden_order(log, absent)
    assert str(caught.value) == f"cannot read {absent}; TSWAP_UPDATE_GOLDEN=1 writes it"

    monkeypatch.chdir(tmp_path)
    with pytest.raises(AssertionError) as caught:
        testing.assert_golden_order(log, "golden/absent.order")
    assert str(caught.value) == (
        f"cannot read golden/absent.order (relative to the working directory {tmp_path}; "
        "tensorswap.testing.source_relative(__file__, ...) names it beside the test); "
        "TSWAP_UPDATE_GOLDEN=1 writes it")


def test_update_golden_that_cannot_write_fails(log, tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("TSWAP_UPDATE_GOLDEN", "1")
    with pytest.raises(AssertionError, match=r"cannot write .*a-file/step\.order.*\(TSWAP_UPDATE_GOLDEN=1\)"):
        testing.assert_golden_order(log, blocker / "step.order")


def test_golden_from_a_path(recorded, log, tmp_path, no_golden_switches):
    golden = tmp_path / "step.order"
    golden.write_text("".join(l + "\n" for l in log.event_order()))
    testing.assert_golden_order(str(recorded), golden)


def test_source_relative():
    here = os.path.dirname(os.path.abspath(__file__))
    assert testing.source_relative(__file__, "golden/step.order") == os.path.join(here, "golden", "step.order")
    assert testing.source_relative(__file__, "../data/x.order") == os.path.join(
        os.path.dirname(here), "data", "x.order")


def test_count(recorded, log):
    by_kind = info(recorded)["by kind"]
    assert testing.count(log, "d2h_done") == by_kind["d2h_done"]
    assert testing.count(recorded, "unpack") == by_kind["unpack"]
    with pytest.raises(ValueError, match="no event kind 'd2h'"):
        testing.count(log, "d2h")


# Recorded runs.

def _swapped_steps(steps=1):
    m = model()
    ts.options(min_bytes=0)
    with ts.swap(m, TAG):
        train_steps(m, steps)


def test_recorded_run_loads_the_log_and_deletes_the_file(no_golden_switches):
    with testing.recorded_run() as run:
        assert ts.profiling()
        _swapped_steps()
    assert not ts.profiling()
    assert not os.path.exists(run.path)
    t = run.trace
    assert t.complete
    assert t.count("step_begin") == 1
    assert t.count("d2h_queued") == 2 * (LAYERS - 1)
    testing.assert_ordering_rules(t)


def test_recorded_runs_get_their_own_files(no_golden_switches):
    with testing.recorded_run() as a:
        pass
    with testing.recorded_run() as b:
        pass
    assert a.path != b.path
    assert os.path.basename(a.path).startswith(f"tswap-test-{os.getpid()}-")


def test_stop_ends_the_recording_early(no_golden_switches):
    with testing.recorded_run() as run:
        _swapped_steps()
        t = run.stop()
        assert not ts.profiling()
        _swapped_steps()  # not recorded
    assert run.trace is t
    assert t.count("step_begin") == 1


def test_keep_logs_keeps_the_file_and_says_where(monkeypatch, capsys):
    monkeypatch.setenv("TSWAP_KEEP_LOGS", "1")
    with testing.recorded_run() as run:
        _swapped_steps()
    try:
        assert os.path.exists(run.path)
        assert f"tensorswap.testing: kept the recorded log {run.path} (TSWAP_KEEP_LOGS)" in capsys.readouterr().err
        assert info(run.path)["events"] == len(run.trace)
    finally:
        os.remove(run.path)


def test_keep_logs_0_does_not_keep(monkeypatch):
    monkeypatch.setenv("TSWAP_KEEP_LOGS", "0")
    with testing.recorded_run() as run:
        pass
    assert not os.path.exists(run.path)


def test_an_error_in_the_block_ends_the_session_and_is_raised(no_golden_switches):
    with pytest.raises(ZeroDivisionError):
        with testing.recorded_run() as run:
            _swapped_steps()
            1 / 0
    assert not ts.profiling()
    assert run.trace is None
    assert not os.path.exists(run.path)


def test_golden_round_trip_of_a_recorded_run(tmp_path, monkeypatch):
    """The pytest workflow end to end: record, write the golden, record again, compare."""
    golden = tmp_path / "golden" / "step.order"
    monkeypatch.setenv("TSWAP_UPDATE_GOLDEN", "1")
    with testing.recorded_run() as first:
        _swapped_steps(STEPS)
    testing.assert_golden_order(first.trace, golden)
    monkeypatch.delenv("TSWAP_UPDATE_GOLDEN")
    with testing.recorded_run() as second:
        _swapped_steps(STEPS)
    testing.assert_golden_order(second.trace, golden)
