#!/usr/bin/env python3
"""Checks scripts/tswap-launch itself, with no sample: the environment each
rank gets, the "[rank N] " prefixes, the exit status, and that a failing
rank brings the others down after --grace. Needs no torch.

    test_launcher.py scripts/tswap-launch
"""

import subprocess
import sys
import time

launcher = sys.argv[1]
failures = []


def launch(*args, timeout=120):
    start = time.monotonic()
    run = subprocess.run([sys.executable, launcher, *args], stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True, timeout=timeout)
    print(run.stdout, end="")
    return run, time.monotonic() - start


def expect(condition, message):
    print(("ok: " if condition else "FAIL: ") + message)
    if not condition:
        failures.append(message)


show_env = ("import os; print(' '.join(os.environ[k] for k in ('RANK', 'WORLD_SIZE', 'LOCAL_RANK', "
            "'MASTER_ADDR', 'TORCHELASTIC_RUN_ID', 'MASTER_PORT')))")
run, _ = launch("-n", "3", "--", sys.executable, "-c", show_env)
expect(run.returncode == 0, "every rank exits 0: the launcher exits 0")
lines = run.stdout.splitlines()
for rank in range(3):
    mine = [line for line in lines if line.startswith(f"[rank {rank}] {rank} 3 {rank} 127.0.0.1 ")]
    expect(len(mine) == 1, f"rank {rank} got RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, prefixed")
shared = {tuple(line.split()[-2:]) for line in lines if line.startswith("[rank ")}
expect(len(shared) == 1, "every rank got the same TORCHELASTIC_RUN_ID and MASTER_PORT")

# Rank 1 fails at once; rank 0 would sleep a minute: it is ended after --grace.
fail_one = "import os, sys, time; sys.exit(3) if os.environ['RANK'] == '1' else time.sleep(60)"
run, seconds = launch("-n", "2", "--grace", "1", "--", sys.executable, "-c", fail_one)
expect(run.returncode == 3, f"the failing rank's status comes back (got {run.returncode})")
expect("tswap-launch: rank 1 exited with status 3" in run.stdout, "the failing rank is named")
expect("tswap-launch: rank 0 exited with status 143" in run.stdout, "the other rank got SIGTERM")
expect(seconds < 50, f"the other rank did not run its minute out ({seconds:.1f} s)")

run, _ = launch("-n", "1", "--", sys.executable, "-c", "import os, signal; os.kill(os.getpid(), signal.SIGKILL)")
expect(run.returncode == 137, f"a rank killed by SIGKILL: 128 + 9 (got {run.returncode})")

run, _ = launch("-n", "2", "--timeout", "2", "--", sys.executable, "-c", "import time; time.sleep(60)")
expect(run.returncode == 124, f"--timeout: 124 (got {run.returncode})")

print("PASS" if not failures else f"{len(failures)} check(s) failed")
sys.exit(1 if failures else 0)
