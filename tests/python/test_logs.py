"""Logs recorded from Python: tensorswap.profile and TSWAP_LOG, read by
tswap-log and drawn by tswap-viewer."""

import os
import subprocess
import sys

import torch

import tensorswap as ts

from conftest import run_tool, tool
from models import GPT, lm_loss, token_batches


def train_steps(model, steps=2):
    for batch in token_batches(n=steps):
        lm_loss(model, batch).backward()


def test_profile_writes_a_log_that_passes_check(tmp_path):
    model = GPT(layers=3)
    ts.swap(model.blocks, "log.block.*")
    path = tmp_path / "run.tswap"
    with ts.profile(path, device="cpu (test)") as session:
        assert ts.profiling()
        train_steps(model)
    assert not ts.profiling()
    assert session.stats.records_written > 0 and session.stats.records_dropped == 0
    check = run_tool("tswap-log", "check", path)
    assert "all ordering rules hold" in check.stdout
    # The log's account of the swaps is the engine's.
    counters = ts.stats().per_tag["log.block.*"]
    (total,) = [t for t in ts.trace.load(path).summary().tags if t.tag == "log.block.*"]
    assert (total.tensors_out, total.bytes_out) == (counters.tensors_swapped_out,
                                                    counters.bytes_swapped_out)
    assert (total.tensors_in, total.prefetched) == (counters.tensors_swapped_in,
                                                    counters.prefetches)
    info = run_tool("tswap-log", "info", path).stdout
    assert "cpu (test)" in info


def test_profile_takes_the_clock_and_compression(tmp_path):
    """profile(compression="zstd") writes a version 4 log of compressed
    chunks holding the events the same steps record plainly."""
    model = GPT(layers=3)
    ts.swap(model.blocks, "log.zstd.*")
    logs = {}
    for name, kwargs in {"plain": dict(clock="steady"),
                         "zstd": dict(clock="auto", compression="zstd", compression_level=3)}.items():
        torch.manual_seed(0)
        with ts.profile(tmp_path / f"{name}.tswap", **kwargs) as session:
            train_steps(model)
        assert session.stats.records_dropped == 0
        logs[name] = ts.trace.load(session.path)
    assert logs["plain"].header.version == 3 and logs["zstd"].header.version == 4
    # (Stalls depend on timing: every other kind is the same steps' work.)
    kinds = {name: {k: n for k, n in log.by_kind().items() if k != "stall"}
             for name, log in logs.items()}
    assert kinds["zstd"] == kinds["plain"] and kinds["zstd"]["d2h_queued"] > 0
    info = run_tool("tswap-log", "info", tmp_path / "zstd.tswap").stdout
    assert "compressed zstd" in info
    for bad, message in [(dict(clock="rdtsc"), "clock must be 'auto', 'steady' or 'tsc', got 'rdtsc'"),
                         (dict(compression="lz4"), "compression must be 'none' or 'zstd', got 'lz4'"),
                         (dict(compression_level="3"), "compression_level must be an int, got '3'")]:
        try:
            ts.profile(tmp_path / "bad.tswap", **bad)
        except ValueError as e:
            assert message in str(e)
        else:
            raise AssertionError(f"profile({bad}) was accepted")
    assert not (tmp_path / "bad.tswap").exists()


def test_tswap_log_environment_records_a_python_process(tmp_path):
    path = tmp_path / "env.tswap"
    script = (
        "import torch, tensorswap as ts\n"
        "from models import GPT, lm_loss, token_batches\n"
        "ts.options(min_bytes=0)\n"
        "m = GPT(layers=3); ts.swap(m.blocks, 'env.block.*')\n"
        "for b in token_batches(): lm_loss(m, b).backward()\n"
        "print(ts.stats().per_tag['env.block.*'].tensors_swapped_out)\n")
    package = os.path.dirname(os.path.dirname(ts.__file__))  # the tree tensorswap came from
    env = dict(os.environ, TSWAP_LOG=str(path),
               PYTHONPATH=os.pathsep.join([package, os.path.dirname(__file__)]))
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True,
                          cwd=os.path.dirname(__file__), timeout=120)
    assert done.returncode == 0, done.stderr
    assert f"recording to {path} (TSWAP_LOG)" in done.stderr
    swapped = int(done.stdout.split()[-1])
    assert swapped > 0
    check = run_tool("tswap-log", "check", path)
    assert "all ordering rules hold" in check.stdout
    (total,) = [t for t in ts.trace.load(path).summary().tags if t.tag == "env.block.*"]
    assert total.tensors_out == swapped


def test_the_viewer_draws_a_python_log(tmp_path):
    model = GPT(layers=3)
    ts.swap(model.blocks, "viewer.block.*")
    path = tmp_path / "viewer.tswap"
    with ts.profile(path):
        train_steps(model)
    png = tmp_path / "all.png"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    done = subprocess.run([tool("tswap-viewer"), str(path), "--screenshot", str(png), "--view", "all"],
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert png.stat().st_size > 10_000


def test_reading_logs_needs_no_torch(tmp_path):
    """tensorswap.trace loads without PyTorch (a notebook that only reads logs)."""
    model = GPT(layers=3)
    ts.swap(model.blocks, "notorch.block.*")
    path = tmp_path / "notorch.tswap"
    with ts.profile(path):
        train_steps(model, steps=1)
    script = ("import sys, tensorswap.trace as t\n"
              f"log = t.load({str(path)!r})\n"
              "assert 'torch' not in sys.modules, 'reading a log imported torch'\n"
              "print(log.count('d2h_queued'))\n")
    package = os.path.dirname(os.path.dirname(ts.__file__))
    done = subprocess.run([sys.executable, "-c", script], env=dict(os.environ, PYTHONPATH=package),
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert int(done.stdout) == ts.stats().per_tag["notorch.block.*"].tensors_swapped_out


def test_a_rank_of_several_names_its_own_file(tmp_path):
    """RANK/WORLD_SIZE as torchrun sets them: profile("run.tswap") writes
    run.1.tswap, whose header says rank 1 of 2; {rank} and {pid} expand."""
    script = (
        "import os, torch, tensorswap as ts\n"
        "with ts.profile('run.tswap') as p: pass\n"
        "with ts.profile('r{rank}-{pid}.tswap') as q: pass\n"
        "print(p.path); print(q.path)\n")
    package = os.path.dirname(os.path.dirname(ts.__file__))
    env = dict(os.environ, PYTHONPATH=package, RANK="1", WORLD_SIZE="2", LOCAL_RANK="1",
               TSWAP_RUN_ID="test-run")
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True,
                          cwd=tmp_path, timeout=60)
    assert done.returncode == 0, done.stderr
    first, second = done.stdout.split()
    assert first == "run.1.tswap" and second.startswith("r1-") and second.endswith(".tswap")
    info = run_tool("tswap-log", "info", tmp_path / first).stdout
    assert "rank       1 of 2 (local rank 1), run test-run" in info
    ranked = ts.trace.load(tmp_path / first).run
    assert (ranked.rank, ranked.world_size, ranked.local_rank, ranked.run_id) == (1, 2, 1, "test-run")
    assert ts.trace.load(tmp_path / first).header.version == 3
