"""tensorswap.trace reads logs as the C++ tools do: every count, summary
figure, check and error here is compared with what tswap-log says of the
same file."""

import json
import re
import os
import shutil
import struct
import sys
import time

import numpy as np
import pytest

import tensorswap as ts
from tensorswap import trace

from trace_logs import CORPUS, LAYERS, STEPS, TAG, V1_LOG, info, load_error, record, tswap_log

CORPUS_LOGS = sorted(p.name for p in CORPUS.glob("*.tswap")) if CORPUS.is_dir() else []


@pytest.fixture(scope="module")
def recorded(tmp_path_factory):
    """A log the engine wrote from this process: 2 steps of a 4-layer model."""
    return record(tmp_path_factory.mktemp("logs") / "run.tswap")


@pytest.fixture(scope="module")
def log(recorded):
    return trace.load(recorded)


def corpus(name):
    path = CORPUS / name
    if not path.exists():
        pytest.skip(f"{path} is missing")
    return path


# What the file holds.

def test_recorded_log_counts_match_tswap_log_info(recorded, log):
    expected = info(recorded)
    assert len(log) == expected["events"] == len(log.events)
    assert log.by_kind() == expected["by kind"]
    for kind, n in expected["by kind"].items():
        assert log.count(kind) == n
    # The run itself: each layer saves Linear's input and tanh's output, and
    # every layer but the last (kept: its backward comes first) copies them out.
    assert log.count("step_begin") == STEPS
    assert log.count("layer_enter") == LAYERS * STEPS
    assert log.count("swap_created") == 2 * LAYERS * STEPS
    assert log.count("d2h_queued") == 2 * (LAYERS - 1) * STEPS


@pytest.mark.parametrize("name", CORPUS_LOGS)
def test_corpus_counts_match_tswap_log_info(name):
    path = corpus(name)
    expected = info(path)
    t = trace.load(path)
    assert len(t) == expected["events"]
    assert t.by_kind() == expected["by kind"]
    assert t.complete == expected["complete"].startswith("yes")
    if not t.complete:
        assert expected["complete"] == "no: " + t.incomplete_reason


def test_header_and_info(recorded, log):
    h = log.header
    # An uncompressed log is version 3; FORMAT_VERSION is the newest this
    # reader knows (4: zstd-compressed chunks).
    assert h.version == 3 and trace.FORMAT_VERSION == 4
    assert h.pid == os.getpid()
    assert h.clock == "CLOCK_MONOTONIC"
    assert abs(h.wall_start_ns - time.time_ns()) < 3600 * 10**9
    assert h.copy_timing == "host"  # the simulated runtime times its copies itself
    expected = info(recorded)
    assert expected["process"].startswith(f"{h.process} (pid {h.pid}) on {h.host}")
    assert expected["device"] == h.device
    assert expected["file"] == f"{log.file_bytes} bytes" == f"{os.path.getsize(recorded)} bytes"
    assert log.tag_names and set(log.tag_names.values()) == {TAG}
    assert expected["streams"].endswith(", ".join(log.stream_names.values()))

    i = log.info
    assert (i.path, i.version, i.pid, i.events, i.complete) == (str(recorded), 3, os.getpid(), len(log), True)
    assert i.tags == [TAG] and i.incomplete_reason == "" and i.records_dropped == 0
    assert i.by_kind == expected["by kind"]
    assert str(log) == f"the log {recorded} ({len(log)} events; tag {TAG}; complete)"
    assert repr(log) == f"<tensorswap.trace.Trace: {log}>"


def test_completeness_of_a_clean_log(log):
    c = log.completeness
    assert c.clean_end and not c.writer_stopped and not c.ends_at_chunk_boundary
    assert c.bytes_lost == 0 and c.records_dropped == 0
    assert c.records_written == len(log)
    assert c.bytes_read == log.file_bytes


def test_v1_log(tmp_path):
    if not V1_LOG.exists():
        pytest.skip(f"{V1_LOG} is missing")
    t = trace.load(V1_LOG)
    assert t.header.version == 1
    assert t.header.copy_timing == "unknown"
    assert t.by_kind() == info(V1_LOG)["by kind"]


# The events array.

def test_events_are_a_read_only_structured_array(log):
    ev = log.events
    assert ev.dtype.names == ("host_ns", "value", "index", "step", "tag", "layer", "kind",
                              "stream", "reason", "flags", "thread")
    assert ev.dtype == trace.EVENT_DTYPE
    assert ev["host_ns"].dtype == np.uint64 and ev["kind"].dtype == np.uint8
    assert not ev.flags.writeable
    with pytest.raises(ValueError):
        ev["layer"][0] = 7
    assert log.events is ev  # built once
    assert np.all(np.diff(ev["host_ns"].astype(np.int64)) >= 0)  # sorted by host time


def test_events_equal_tswap_log_export_field_by_field(recorded, log):
    """tswap-log's JSON lines and the array hold the same events in the same order."""
    lines = [json.loads(l) for l in tswap_log("export", "-f", "jsonl", recorded).stdout.splitlines()]
    header, exported = lines[0], lines[1:]
    assert header["type"] == "header" and header["events"] == len(log)
    assert len(exported) == len(log)
    names = lambda table, ids: [table.get(int(i), "") for i in ids]  # noqa: E731
    ev = log.events
    assert [e["t_ns"] for e in exported] == ev["host_ns"].tolist()
    assert [e["kind"] for e in exported] == [log.kinds[int(k)] for k in ev["kind"]]
    assert [e["tag"] for e in exported] == names(log.tag_names, ev["tag"])
    assert [e["stream"] for e in exported] == names(log.stream_names, ev["stream"])
    assert [e["thread"] for e in exported] == names(log.thread_names, ev["thread"])
    for field in ("layer", "index", "step", "value"):
        assert [e[field] for e in exported] == ev[field].tolist(), field


def test_swap_events_carry_the_tag_layers_and_bytes(log):
    ev = log.events
    copies = ev[ev["kind"] == _code("d2h_queued")]
    assert sorted(set(copies["layer"].tolist())) == list(range(LAYERS - 1))
    assert {log.tag_names[int(t)] for t in copies["tag"]} == {TAG}
    # Linear's input and tanh's output: 8 x 64 floats each.
    assert set(copies["value"].tolist()) == {8 * 64 * 4}
    prefetched = ev[(ev["kind"] == _code("h2d_queued")) & (ev["flags"] & trace.FLAG_PREFETCH != 0)]
    assert len(prefetched) > 0


def test_describe(log):
    first_copy = int(np.flatnonzero(log.events["kind"] == _code("d2h_queued"))[0])
    text = log.describe(first_copy)
    assert re.fullmatch(r"\d+\.\d{6} ms d2h_queued model\.layer\.\* L0 #[01] step 1 \(2048 bytes\) on sim d2h \[.*\]", text), text
    assert log.describe(-1) == log.describe(len(log) - 1)
    with pytest.raises(IndexError):
        log.describe(len(log))


def test_to_pandas(log):
    pd = pytest.importorskip("pandas")
    df = log.to_pandas()
    assert len(df) == len(log)
    assert isinstance(df["kind"].dtype, pd.CategoricalDtype)
    assert df["kind"].value_counts()[lambda n: n > 0].to_dict() == log.by_kind()
    swaps = df[df["kind"] == "swap_created"]
    assert set(swaps["tag"]) == {TAG}
    assert df.loc[df["kind"] == "clock_anchor", "tag"].isna().all()
    assert df["host_ns"].tolist() == log.events["host_ns"].tolist()
    assert set(df["thread"].dropna()) <= set(log.thread_names.values())


def test_to_pandas_without_pandas_says_so(log, monkeypatch):
    monkeypatch.setitem(sys.modules, "pandas", None)  # import pandas now fails
    with pytest.raises(ImportError, match=r"to_pandas\(\) needs pandas.*Trace.events"):
        log.to_pandas()


# What the C++ library works out.

def _summary_rows(path):
    """`tswap-log summary`'s table, by (tag, layer): the counts and times as printed."""
    rows = {}
    for line in tswap_log("summary", path).stdout.splitlines():
        f = line.split()
        # tag layer out <bytes out: 2 tokens> in pref reuse d2h gbps h2d gbps overlap stalls
        # waited caused freed deferred kept
        if len(f) == 19 and (f[1] == "all" or f[1].isdigit()):
            rows[(f[0], -1 if f[1] == "all" else int(f[1]))] = f
    return rows


def _printed(row):
    ms = lambda ns: f"{ns / 1e6:.3f}"  # noqa: E731  (format_ms: "%.3f")
    figure = lambda v, scale, digits, unit: "-" if v is None else f"{scale * v:.{digits}f}{unit}"  # noqa: E731
    return [str(row.tensors_out), str(row.tensors_in), str(row.prefetched), str(row.reused),
            ms(row.d2h_ns), figure(row.d2h_bandwidth, 1, 2, ""), ms(row.h2d_ns),
            figure(row.h2d_bandwidth, 1, 2, ""), figure(row.overlap_share, 100, 0, "%"),
            str(row.stalls), ms(row.stall_ns), ms(row.caused_stall_ns), str(row.freed),
            str(row.deferred), str(row.kept)]


@pytest.mark.parametrize("which", ["recorded", "run.tswap", "device.tswap", "dropped.tswap"])
def test_summary_matches_tswap_log_summary(which, recorded):
    path = recorded if which == "recorded" else corpus(which)
    s = trace.load(path).summary()
    rows = _summary_rows(path)
    ours = s.layers + s.tags
    assert sorted(rows) == sorted((r.tag, r.layer) for r in ours)
    for r in ours:
        printed = rows[(r.tag, r.layer)]
        assert printed[2:3] + printed[5:] == _printed(r), (r.tag, r.layer)
    # The exact bytes and peaks, from compare's JSON (a log against itself: its A side).
    j = json.loads(tswap_log("compare", path, path, "--format", "json").stdout)
    assert j["steps"]["a"] == s.steps
    assert j["resident_peak_bytes"]["a"] == s.resident_peak
    by_key = {(r.tag, r.layer): r for r in ours}
    for row in j["layers"] + j["tags"]:
        r = by_key[(row["tag"], -1 if row["layer"] is None else row["layer"])]
        assert (row["bytes_out"]["a"], row["bytes_in"]["a"]) == (r.bytes_out, r.bytes_in)
        assert (row["d2h_ns"]["a"], row["h2d_ns"]["a"]) == (r.d2h_ns, r.h2d_ns)
        assert row["stall_waited_ns"]["a"] == r.stall_ns
        assert row["stall_caused_ns"]["a"] == r.caused_stall_ns
        assert row["resident_peak_bytes"]["a"] == r.resident_peak


def test_summary_of_the_recorded_run(log):
    s = log.summary()
    assert s.steps == STEPS and s.steps_per_tag == {TAG: STEPS}
    total = s.tags[0]
    assert (total.tag, total.layer) == (TAG, -1)
    assert total.tensors_out == 2 * (LAYERS - 1) * STEPS
    assert total.bytes_out == total.tensors_out * 8 * 64 * 4
    assert [l.layer for l in s.layers] == list(range(LAYERS))
    assert s.layers[-1].tensors_out == 0 and s.layers[-1].d2h_bandwidth is None
    assert total.d2h_bandwidth is not None and total.d2h_bandwidth > 0


@pytest.mark.parametrize("name", ["broken.tswap", "run.tswap", "torn.tswap", "incomplete.tswap"])
def test_check_matches_tswap_log_check(name):
    path = corpus(name)
    t = trace.load(path)
    printed = tswap_log("check", path, check=False).stdout.splitlines()
    prefix = f"{path}: "
    expected = [l[len(prefix):] for l in printed
                if l.startswith(prefix) and l[len(prefix):].split(":")[0] in _RULES]
    assert [str(v) for v in t.check()] == expected
    unfinished = [l[len(prefix + "incomplete: "):] for l in printed if l.startswith(prefix + "incomplete: ")]
    assert [u.message for u in t.check_schedule().unfinished] == unfinished


_RULES = {"release-after-copy", "use-after-copy-back", "prefetch-window", "swap-out-ascending",
          "swap-in-descending", "back-exactly-once"}


def test_broken_log_breaks_three_rules():
    violations = trace.load(corpus("broken.tswap")).check()
    assert sorted(v.rule for v in violations) == ["back-exactly-once", "release-after-copy",
                                                  "use-after-copy-back"]
    assert all(v.host_ns > 0 for v in violations)


def test_recorded_run_keeps_every_rule(log):
    assert log.check() == []


def test_event_order(log):
    order = log.event_order()
    assert order[0] == "lane compute"
    assert "lane d2h" in order and "lane h2d" in order
    assert not any(l.startswith(("stall ", "clock_anchor ")) for l in order)
    assert f"d2h_queued {TAG} L0 #0 step 1" in order
    assert f"step_begin {TAG} L0 step {STEPS}" in order


def test_diff_order_matches_tswap_log_diff(log):
    assert trace.diff_order(log, log).same
    a, b = corpus("run.tswap"), corpus("torn.tswap")
    d = trace.diff_order(trace.load(a), trace.load(b))
    printed = tswap_log("diff", a, b, check=False).stdout.splitlines()
    assert not d.same
    assert printed[0] == (f"event orders differ at line {d.line + 1} ({a}: {d.a_lines} lines, "
                          f"{b}: {d.b_lines} lines)")
    ends = ["  (ends here)"]  # tswap-log marks the side that has no more lines
    assert printed[1:] == [f"--- {a}", *(("- " + l for l in d.a) if d.a else ends),
                           f"+++ {b}", *(("+ " + l for l in d.b) if d.b else ends)]
    # The incomplete corpus log is run.tswap without its end chunk: the same order.
    assert trace.diff_order(trace.load(a), trace.load(corpus("incomplete.tswap"))).same


# Logs cut short and files that are not logs.

def test_truncated_log_loads_what_survived(recorded, log, tmp_path):
    data = recorded.read_bytes()
    cut = tmp_path / "cut.tswap"
    cut.write_bytes(data[:len(data) - 100])  # the end chunk and part of the chunk before
    t = trace.load(cut)
    expected = info(cut)
    assert not t.complete
    assert t.incomplete_reason and expected["complete"] == "no: " + t.incomplete_reason
    assert "readable up to byte" in t.incomplete_reason
    assert len(t) == expected["events"] < len(log)
    # What survived is events of the whole log (whole chunks, each thread's in order).
    whole = set(map(tuple, log.events[["host_ns", "kind", "layer", "index"]].tolist()))
    assert set(map(tuple, t.events[["host_ns", "kind", "layer", "index"]].tolist())) <= whole
    assert str(t) == f"the log {cut} ({len(t)} events; tag {TAG}; incomplete)"


def test_torn_corpus_log_says_what_was_lost():
    t = trace.load(corpus("torn.tswap"))
    assert not t.complete
    c = t.completeness
    assert c.bytes_lost > 0 and c.bytes_read + c.bytes_lost == t.file_bytes
    assert t.incomplete_reason == (
        "the log has no end chunk and ends in a torn chunk (the process died while writing it); "
        f"readable up to byte {c.bytes_read}, {c.bytes_lost} bytes of a torn last chunk lost")
    assert t.incomplete_reason == info(corpus("torn.tswap"))["complete"][len("no: "):]


def _raises_as_tswap_log(path, kind):
    with pytest.raises(trace.TraceError) as caught:
        trace.load(path)
    e = caught.value
    assert isinstance(e, RuntimeError)
    assert e.kind == kind
    assert e.file == str(path)
    assert str(e) == load_error(path)  # word for word what tswap-log prints
    return e


def test_missing_file(tmp_path):
    e = _raises_as_tswap_log(tmp_path / "nothing-here.tswap", "cannot_open")
    assert str(e).startswith(f"{tmp_path / 'nothing-here.tswap'}: cannot open")


def test_empty_file(tmp_path):
    (tmp_path / "empty.tswap").write_bytes(b"")
    _raises_as_tswap_log(tmp_path / "empty.tswap", "empty")


def test_not_a_log(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_bytes(b"this is a text file, not a tensorswap log\n" * 20)
    e = _raises_as_tswap_log(path, "not_a_log")
    assert e.offset == 0
    assert str(e).startswith(f"{path}: not a tensorswap log at byte offset 0")


def test_corrupt_chunk_names_file_and_offset(recorded, tmp_path):
    data = bytearray(recorded.read_bytes())
    first_chunk = struct.unpack_from("<I", data, 12)[0]  # FileHeader::header_bytes
    data[first_chunk + 32 + 3] ^= 0xFF  # a byte of the first chunk's payload: its checksum fails
    path = tmp_path / "corrupt.tswap"
    path.write_bytes(bytes(data))
    e = _raises_as_tswap_log(path, "corrupt")
    assert first_chunk <= e.offset < len(data)
    assert f"{path}: corrupt log at byte offset {e.offset}" in str(e)


def test_newer_version_is_refused(recorded, tmp_path):
    data = bytearray(recorded.read_bytes())
    struct.pack_into("<I", data, 8, trace.FORMAT_VERSION + 1)  # FileHeader::version
    path = tmp_path / "newer.tswap"
    path.write_bytes(bytes(data))
    e = _raises_as_tswap_log(path, "unsupported_version")
    assert "unsupported format version" in str(e)
    assert e.kind_text == "unsupported format version"


def test_a_directory_is_not_a_log(tmp_path):
    _raises_as_tswap_log(tmp_path, "cannot_open")


# Loading with progress.

@pytest.fixture(scope="module")
def many_chunks(tmp_path_factory):
    """A log of more than 64 chunks: the reader reports progress every 64."""
    # The writer flushes every 1 ms what each thread recorded; a pause before
    # each step lets it, so that a loaded machine still gets a chunk or more
    # per step and thread. Longer runs if it did not.
    for steps in (40, 160):
        path = record(tmp_path_factory.mktemp("chunks") / "long.tswap", steps=steps,
                      flush_interval_ms=1, pause_s=0.003)
        chunks = trace.load(path).completeness.chunks
        if chunks > 64:
            return path
    pytest.fail(f"only {chunks} chunks in {steps} steps, flushing every 1 ms")


def test_progress_callable_is_called_and_can_stop_the_load(many_chunks):
    size = os.path.getsize(many_chunks)
    calls = []
    t = trace.load(many_chunks, progress=lambda done, total: calls.append((done, total)))
    assert len(calls) >= 2
    assert all(0 < d <= t == size for d, t in calls)
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)
    assert calls[-1] == (size, size)  # and once more when it has loaded
    assert len(t) == info(many_chunks)["events"]

    class Stop(Exception):
        pass

    def stop(done, total):
        raise Stop(f"stopped at {done}")

    with pytest.raises(Stop, match="stopped at"):
        trace.load(many_chunks, progress=stop)


def test_progress_line_on_stderr(many_chunks, capsys):
    trace.load(many_chunks, progress=True)
    err = capsys.readouterr().err
    assert err.startswith(f"\rloading {many_chunks}:") and err.endswith("100.0%\n")


def test_progress_of_a_small_log(recorded):
    """Under 64 chunks the reader reports none: the callable hears of the end only."""
    calls = []
    trace.load(recorded, progress=lambda *a: calls.append(a))
    assert calls == [(os.path.getsize(recorded),) * 2]


def test_package_exports_trace_and_testing():
    assert ts.trace is trace
    assert ts.testing.assert_golden_order is not None


def _code(name):
    return {v: k for k, v in trace.KINDS.items()}[name]


def test_kinds_tables():
    assert trace.KINDS[1] == "step_begin" and trace.KINDS[22] == "nvtx_range"
    assert trace.KEEP_REASONS[7] == "below min_bytes" and trace.KEEP_REASONS[9] == "observed: would be swapped"
    assert trace.RELEASE_REASONS == {1: "freed", 2: "deferred: held elsewhere"}


def test_copy_of_a_log_loads_alike(recorded, log, tmp_path):
    copy = tmp_path / "copy.tswap"
    shutil.copy(recorded, copy)
    assert trace.diff_order(trace.load(copy), log).same
