#pragma once

// Logs of one distributed run, one per rank, with known clocks (issue 15):
// each rank copies one storage out and releases it in its one step, at the
// same host times of its own clock; what differs is where its clock stands
// against rank 0's (clock_offset_ns) and its session start, so that the
// merged times they should land at are known (Note [Rank alignment] in
// gui/model/ranks.h). Used by ranks_test.cpp and, through
// make_viewer_logs.cpp, by the CLI tests.

#include <cstdint>
#include <cstring>
#include <string>

#include "log_builder.h"

namespace tswap_test {

struct RankClock {
  int rank = 0;
  int world_size = 2;
  std::int64_t offset_ns = 0;  // rank 0's clock minus this log's
  std::uint64_t start_ns = 1000;  // FileHeader::monotonic_start_ns
  bool aligned = true;            // kRunClockAligned
  std::string run_id = "run-a";
  std::uint64_t bytes = 1000000;  // the storage it swaps
};

/// Host times of the one step (ns since the log's session start).
inline constexpr std::uint64_t kRankStep = 100, kRankSave = 1000, kRankCopyEnd = 5000,
                               kRankRelease = 6000, kRankDestroy = 20000;

inline LogBuilder rank_log(const RankClock& c) {
  using tswap::trace::EventKind;
  const auto freed = static_cast<std::uint8_t>(tswap::trace::ReleaseReason::freed);
  constexpr std::uint8_t d2h = 1;
  tswap::trace::RunHeader run{};
  run.flags = tswap::trace::kRunHasRank | (c.aligned ? tswap::trace::kRunClockAligned : 0u);
  run.rank = c.rank;
  run.world_size = c.world_size;
  run.local_rank = c.rank;
  run.clock_offset_ns = c.aligned ? c.offset_ns : 0;
  run.clock_uncertainty_ns = c.aligned ? 50 : 0;
  run.clock_rounds = c.aligned ? 8 : 0;
  std::strncpy(run.run_id, c.run_id.c_str(), sizeof run.run_id - 1);
  LogBuilder b;
  b.ranked(run);
  {
    // The session start: the builder's header, patched (not checksummed).
    tswap::trace::FileHeader h;
    std::memcpy(&h, b.bytes().data(), sizeof h);
    h.monotonic_start_ns = c.start_ns;
    std::memcpy(b.bytes().data(), &h, sizeof h);
  }
  b.standard_names()
      .records(1, {rec(EventKind::step_begin, kRankStep, 0),
                   rec(EventKind::layer_enter, kRankStep + 10, 0),
                   rec(EventKind::swap_created, kRankSave, 0, 0, c.bytes),
                   rec(EventKind::d2h_queued, kRankSave + 10, 0, 0, c.bytes, d2h),
                   rec(EventKind::release, kRankRelease, 0, 0, c.bytes, 0, 0, freed),
                   rec(EventKind::layer_exit, kRankRelease + 10, 0),
                   // Released before: the swap holds nothing on the device any more.
                   rec(EventKind::swap_destroyed, kRankDestroy, 0, 0, 0)})
      .records(2, {rec(EventKind::d2h_start, kRankSave + 20, 0, 0, c.bytes, d2h),
                   rec(EventKind::d2h_done, kRankCopyEnd, 0, 0, c.bytes, d2h)})
      .end(9);
  return b;
}

}  // namespace tswap_test
