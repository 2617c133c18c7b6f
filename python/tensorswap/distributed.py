"""Many ranks: each process's engine and log are its own; this tells the
log which rank it is and how its clock stands against rank 0's, through
torch.distributed (docs/distributed.md).

    torch.distributed.init_process_group("gloo")
    tensorswap.distributed.align_clocks()      # every rank, while recording

The same as C++ ``tswap::distributed::align_clocks``, on the group's
send/recv.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch
import torch.distributed as dist

from . import _C

_PING_TAG = 0x7457
_PONG_TAG = 0x7458
_RUN_ID_BYTES = 64


@dataclass(frozen=True)
class ClockAlignment:
    """This rank's clock against rank 0's."""

    offset_ns: int       # rank 0's steady clock minus this rank's
    uncertainty_ns: int  # the offset is right within +- this
    rounds: int          # round trips measured (0 on rank 0)


def _agree_on_run_id(group, own: str, device) -> str:
    buffer = torch.zeros(_RUN_ID_BYTES // 8, dtype=torch.int64)
    if dist.get_rank(group) == 0:
        run_id = own or os.urandom(8).hex()
        raw = run_id.encode()[: _RUN_ID_BYTES - 1]
        view = buffer.numpy().view("u1")
        view[: len(raw)] = list(raw)
    on_device = buffer.to(device)
    dist.broadcast(on_device, src=_global_rank(group, 0), group=group)
    buffer = on_device.cpu()
    return bytes(buffer.numpy().view("u1")).split(b"\0", 1)[0].decode(errors="replace")


def _global_rank(group, rank: int) -> int:
    if group is None or group is dist.group.WORLD:
        return rank
    return dist.distributed_c10d._get_global_rank(group, rank)


def align_clocks(group=None, rounds: int = 16) -> ClockAlignment:
    """Collective: every rank of ``group`` (default: the world) calls it.

    Tells the recorder this process's rank and world size (from the group),
    LOCAL_RANK from the environment and rank 0's run id, then measures each
    rank's clock against rank 0's with ``rounds`` round trips, keeping the
    shortest, and writes both into the active session's log header.
    """
    if not dist.is_initialized():
        raise RuntimeError("tensorswap: align_clocks() needs torch.distributed.init_process_group() first")
    if rounds < 1:
        raise ValueError(f"tensorswap: align_clocks(rounds={rounds}): 1 or more round trips")
    rank, size = dist.get_rank(group), dist.get_world_size(group)
    # NCCL sends only CUDA tensors; the copies then sit inside each round
    # trip, widening the uncertainty, not biasing the offset past it.
    device = (torch.device("cuda", torch.cuda.current_device())
              if dist.get_backend(group) == "nccl" else torch.device("cpu"))
    own = _C.run_info_from_environment()
    local_rank = own.local_rank if own.local_rank < size else -1
    run_id = _agree_on_run_id(group, own.run_id, device)
    _C.set_run_info(_C.RunInfo(rank=rank, world_size=size, local_rank=local_rank, run_id=run_id))

    zero = _global_rank(group, 0)
    offset, best_trip, measured = 0, None, 0
    back = torch.zeros(1, dtype=torch.int64, device=device)
    for peer in range(1, size):
        if rank == 0:
            for _ in range(rounds):
                dist.recv(back, src=_global_rank(group, peer), group=group, tag=_PING_TAG)
                out = torch.tensor([_C.clock_ns()], dtype=torch.int64).to(device)
                dist.send(out, dst=_global_rank(group, peer), group=group, tag=_PONG_TAG)
        elif rank == peer:
            for _ in range(rounds):
                t1 = _C.clock_ns()
                out = torch.tensor([t1], dtype=torch.int64).to(device)
                dist.send(out, dst=zero, group=group, tag=_PING_TAG)
                dist.recv(back, src=zero, group=group, tag=_PONG_TAG)
                t2 = int(back[0])
                t3 = _C.clock_ns()
                trip = t3 - t1
                if best_trip is None or trip < best_trip:
                    best_trip, offset = trip, t2 - (t1 + trip // 2)
            measured = rounds
    dist.barrier(group)
    uncertainty = 0 if best_trip is None else (best_trip + 1) // 2
    _C.set_clock_offset(offset, uncertainty, measured)
    return ClockAlignment(offset, uncertainty, measured)
