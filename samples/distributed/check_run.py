#!/usr/bin/env python3
"""Runs a distributed sample under tswap-launch and checks what it left.

    check_run.py --launcher scripts/tswap-launch --tswap-log build/tswap-log \
        --nproc 2 --dir build/ddp2 [--killed-rank 1] [--expect-line TEXT] -- COMMAND ARGS...

Each rank records TSWAP_LOG=DIR/run.{rank}.tswap. Checks (the ctests of
samples/CMakeLists.txt, label distributed):
- every rank, or without --killed-rank: the launcher exits 0 and every rank
  printed each --expect-line text; with --killed-rank R: the launcher exits
  non-zero, rank R died of SIGKILL, every other rank exited non-zero on its
  own (a failed collective, status 3) and printed no Python-style crash;
- every surviving rank's log passes `tswap-log check`, and `tswap-log info`
  says "rank r of n", "complete   yes", each --expect-info text and an offset line whose offset lies
  within its uncertainty (+ --slack-us) of 0: the ranks share this host's
  steady clock, so the true offset is 0;
- every rank's log names the same run id;
- the killed rank's log loads (`tswap-log info` exits 0) and says
  "complete   no".
Needs no torch. Exit status 0 when every check passes, 1 otherwise.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--launcher", required=True)
    p.add_argument("--tswap-log", required=True)
    p.add_argument("--nproc", type=int, required=True)
    p.add_argument("--dir", required=True)
    p.add_argument("--killed-rank", type=int, default=-1)
    p.add_argument("--expect-line", action="append", default=[])
    p.add_argument("--expect-info", action="append", default=[],
                   help="text every surviving rank's `tswap-log info` shows ({rank}: the rank)")
    p.add_argument("--slack-us", type=float, default=10.0)
    p.add_argument("--timeout", type=float, default=600.0)
    p.add_argument("command", nargs=argparse.REMAINDER)
    a = p.parse_args()
    command = a.command[1:] if a.command[:1] == ["--"] else a.command

    shutil.rmtree(a.dir, ignore_errors=True)
    os.makedirs(a.dir)
    env = dict(os.environ, TSWAP_LOG=os.path.join(a.dir, "run.{rank}.tswap"))
    launch = [sys.executable, a.launcher, "--nproc", str(a.nproc), "--grace", "60",
              "--timeout", str(a.timeout), "--"] + command
    print("$", " ".join(launch), flush=True)
    run = subprocess.run(launch, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    print(run.stdout, end="")
    print(f"launcher exit status {run.returncode}")
    failures = []

    def fail(message: str) -> None:
        print("FAIL:", message)
        failures.append(message)

    lines = run.stdout.splitlines()

    def rank_lines(rank: int):
        prefix = f"[rank {rank}] "
        return [line[len(prefix):] for line in lines if line.startswith(prefix)]

    if a.killed_rank < 0:
        if run.returncode != 0:
            fail(f"the launcher exited {run.returncode}, not 0")
        for rank in range(a.nproc):
            for text in a.expect_line:
                if not any(text in line for line in rank_lines(rank)):
                    fail(f"rank {rank} never printed {text!r}")
            if any("DIFFERENT" in line or "MISMATCH" in line for line in rank_lines(rank)):
                fail(f"rank {rank} saw a difference")
    else:
        if run.returncode == 0:
            fail("the launcher exited 0 though a rank was killed")
        if f"tswap-launch: rank {a.killed_rank} exited with status 137" not in run.stdout:
            fail(f"rank {a.killed_rank} did not die of SIGKILL first")
        for rank in range(a.nproc):
            if rank == a.killed_rank:
                continue
            if not any("collective failed" in line for line in rank_lines(rank)):
                fail(f"rank {rank} did not report the failed collective")
            if f"tswap-launch: rank {rank} exited with status 3" not in run.stdout:
                fail(f"rank {rank} did not exit with status 3 (a failed collective) on its own")
            if any("terminate called" in line for line in rank_lines(rank)):
                fail(f"rank {rank} crashed instead of failing cleanly")

    run_ids = set()
    for rank in range(a.nproc):
        log = os.path.join(a.dir, f"run.{rank}.tswap")
        if not os.path.exists(log):
            fail(f"rank {rank} left no log {log}")
            continue
        info = subprocess.run([a.tswap_log, "info", log], stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
        print(info.stdout, end="")
        if info.returncode != 0:
            fail(f"tswap-log info {log} exited {info.returncode}")
            continue
        if f"rank       {rank} of {a.nproc}" not in info.stdout:
            fail(f"{log}: no 'rank {rank} of {a.nproc}' line")
        m = re.search(r"^  rank .*, run (\S+)$", info.stdout, re.M)
        run_ids.add(m.group(1) if m else None)
        if rank == a.killed_rank:
            if "complete   no" not in info.stdout:
                fail(f"{log}: the killed rank's log does not say it is incomplete")
            continue
        for text in a.expect_info:
            if text.replace("{rank}", str(rank)) not in info.stdout:
                fail(f"{log}: tswap-log info does not show {text.replace('{rank}', str(rank))!r}")
        if "complete   yes" not in info.stdout:
            fail(f"{log}: not complete")
        check = subprocess.run([a.tswap_log, "check", log], stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
        if check.returncode != 0:
            print(check.stdout, end="")
            fail(f"tswap-log check {log} exited {check.returncode}")
        m = re.search(r"offset\s+([+-][0-9.]+) us \+- ([0-9.]+) us", info.stdout)
        if not m:
            fail(f"{log}: no offset line")
            continue
        offset, uncertainty = float(m.group(1)), float(m.group(2))
        print(f"rank {rank}: offset {offset:+.3f} us +- {uncertainty:.3f} us")
        if abs(offset) > uncertainty + a.slack_us:
            fail(f"{log}: offset {offset} us is not within {uncertainty} + {a.slack_us} us of 0")

    if len(run_ids) != 1 or None in run_ids:
        fail(f"the ranks' logs do not share one run id: {sorted(map(str, run_ids))}")
    print("PASS" if not failures else f"{len(failures)} check(s) failed")
    return 0 if not failures else 1


if __name__ == "__main__":
    sys.exit(main())
