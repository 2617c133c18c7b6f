#pragma once

// Hand-built logs of three ranks of one run, with figures chosen so that
// tests state exact spreads. Shared by ranks_test.cpp and make_rank_logs.cpp
// (the CLI tests). Tag 1 "model.layer.*" (standard_names), one step, layer
// 0 swaps one tensor; times in ms:
//
//   rank  bytes      D2H ms  H2D ms  stall waited  clock offset
//   0     1,000,000  10      10      2 ms (out)    +0 +- 0 ns
//   1     3,000,000  30      20      none          -1234 +- 56 ns
//   2     2,000,000  20      10      30 ms (back)  +2500 +- 100 ns
//
// Spread (min / median / max, worst): peak resident 1.0 / 2.0 / 3.0 MB,
// rank 1; copy 20 / 30 / 50 ms, rank 1; stall 0 / 2 / 30 ms, rank 2.

#include <cstring>
#include <string>

#include "log_builder.h"

namespace tswap_test::ranks {

constexpr std::uint64_t kMs = 1000000;  // ns

inline tswap::trace::RunHeader run_header(int rank, int world, const std::string& run_id,
                                          std::int64_t offset_ns, std::uint64_t uncertainty_ns) {
  tswap::trace::RunHeader h{};
  h.flags = tswap::trace::kRunHasRank | tswap::trace::kRunClockAligned;
  h.rank = rank;
  h.world_size = world;
  h.local_rank = rank;
  h.clock_offset_ns = offset_ns;
  h.clock_uncertainty_ns = uncertainty_ns;
  h.clock_rounds = 16;
  std::strncpy(h.run_id, run_id.c_str(), sizeof h.run_id - 1);
  return h;
}

/// One rank's step: one tensor of `bytes` out in `d2h_ms`, back in
/// `h2d_ms`, and a wait of `stall_ms` (none for 0; on the copy back when
/// `stall_back`). A builder without a RunHeader when `run` is null.
inline LogBuilder rank_log(const tswap::trace::RunHeader* run, std::uint64_t bytes,
                           std::uint64_t d2h_ms, std::uint64_t h2d_ms, std::uint64_t stall_ms,
                           bool stall_back) {
  using tswap::trace::EventKind;
  const auto freed = static_cast<std::uint8_t>(tswap::trace::ReleaseReason::freed);
  constexpr std::uint8_t d2h = 1, h2d = 2;
  const std::uint64_t back_at = 100 * kMs, back_done = back_at + h2d_ms * kMs;
  std::vector<tswap::trace::Record> main = {rec(EventKind::step_begin, 100, 0),
                                            rec(EventKind::swap_created, kMs - 10, 0, 0, bytes),
                                            rec(EventKind::d2h_queued, kMs, 0, 0, bytes, d2h)};
  if (stall_ms > 0 && !stall_back)
    main.push_back(rec(EventKind::stall, (1 + d2h_ms) * kMs, 0, 0, stall_ms * kMs));
  main.push_back(rec(EventKind::release, (1 + d2h_ms) * kMs + 1, 0, 0, bytes, 0, 0, freed));
  main.push_back(rec(EventKind::h2d_queued, back_at, 0, 0, bytes, h2d));
  if (stall_ms > 0 && stall_back)
    main.push_back(
        rec(EventKind::stall, back_done, 0, 0, stall_ms * kMs, 0, tswap::trace::kFlagWaitH2D));
  main.push_back(rec(EventKind::unpack, back_done + 1, 0, 0));
  main.push_back(rec(EventKind::swap_destroyed, back_done + 2, 0, 0, bytes));
  const std::vector<tswap::trace::Record> copier = {
      rec(EventKind::d2h_start, kMs, 0, 0, bytes, d2h),
      rec(EventKind::d2h_done, (1 + d2h_ms) * kMs, 0, 0, bytes, d2h),
      rec(EventKind::h2d_start, back_at, 0, 0, bytes, h2d),
      rec(EventKind::h2d_done, back_done, 0, 0, bytes, h2d)};
  LogBuilder b;
  if (run) b.ranked(*run);
  b.standard_names().records(1, main).records(2, copier).end(main.size() + copier.size());
  return b;
}

inline LogBuilder rank0(const std::string& run_id = "job-7") {
  const auto h = run_header(0, 3, run_id, 0, 0);
  return rank_log(&h, 1000000, 10, 10, 2, false);
}
inline LogBuilder rank1(const std::string& run_id = "job-7") {
  const auto h = run_header(1, 3, run_id, -1234, 56);
  return rank_log(&h, 3000000, 30, 20, 0, false);
}
inline LogBuilder rank2(const std::string& run_id = "job-7") {
  const auto h = run_header(2, 3, run_id, 2500, 100);
  return rank_log(&h, 2000000, 20, 10, 30, true);
}
/// A log of version 2: no rank (rank 1's figures).
inline LogBuilder unranked() {
  return rank_log(nullptr, 3000000, 30, 20, 0, false);
}

}  // namespace tswap_test::ranks
