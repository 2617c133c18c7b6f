#pragma once

// Many ranks: each process's engine is its own, each records its own log,
// and the logs are read side by side (docs/distributed.md). What needs the
// ranks to talk is here, through the process group the program already has
// (c10d: Gloo on CPUs, NCCL on GPUs); no transport of our own.
//
//   auto group = c10::make_intrusive<c10d::ProcessGroupGloo>(store, rank, size, options);
//   tswap::distributed::align_clocks(*group);   // every rank, once the session records

#include <cstdint>

#include <c10/core/Device.h>

namespace c10d {
class ProcessGroup;
}

namespace tswap::distributed {

/// This rank's clock against rank 0's.
struct ClockAlignment {
  std::int64_t offset_ns = 0;        // rank 0's steady clock minus this rank's
  std::uint64_t uncertainty_ns = 0;  // the offset is right within +- this
  std::uint32_t rounds = 0;          // round trips measured (0 on rank 0)
};

/// Collective: every rank of `group` calls it, with the same `rounds`.
///
/// Tells the recorder where this process stands (rank and world size from
/// the group, LOCAL_RANK from the environment, and rank 0's run id, its
/// environment's or one made up, so that every rank's log has the same),
/// then measures each rank's clock against rank 0's: `rounds` round trips
/// of a timestamp through the group, one rank after another, keeping the
/// shortest (offset = rank 0's time - the middle of the trip, uncertainty =
/// half the trip). Writes both into the active session's log header and
/// returns the alignment. Call it while the session records (TSWAP_LOG
/// records from the start): a session started later measures again.
/// `device`: where the group's tensors live (a CUDA device for NCCL, whose
/// send and recv take only those; the CPU for Gloo).
ClockAlignment align_clocks(c10d::ProcessGroup& group, int rounds = 16,
                            c10::Device device = c10::Device(c10::kCPU));

}  // namespace tswap::distributed
