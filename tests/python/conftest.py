"""Shared fixtures of the Python suites: fresh engine state per test, tools."""

import os
import shutil
import subprocess

import pytest
import torch

import tensorswap as ts


@pytest.fixture(autouse=True)
def engine_defaults():
    """Each test starts from the test defaults: every tensor is swapped (the
    suites' tensors are KiB, under the 1 MiB default), counters at zero."""
    ts.options(**{name: getattr(ts.Options(), name) for name in ts.Options.__dataclass_fields__})
    ts.options(min_bytes=0)
    ts.reset_stats()
    torch.manual_seed(0)
    yield


def tool(name: str) -> str:
    """A tensorswap program of the build tree (ctest passes their paths)."""
    path = os.environ.get({"tswap-log": "TSWAP_LOG_TOOL", "tswap-viewer": "TSWAP_VIEWER_TOOL"}[name])
    if not path:
        path = shutil.which(name)
    if not path:
        pytest.skip(f"{name} not found (run the suites through ctest)")
    return path


def run_tool(name: str, *args, check=True) -> subprocess.CompletedProcess:
    return subprocess.run([tool(name), *map(str, args)], capture_output=True, text=True,
                          check=check, timeout=120)
