#pragma once

// Hand-built logs of one layer swapped per step, each step beginning where
// the caller says, for the viewer's comparison of two logs (comparison.h):
// how the second log's steps land on the first's axis, and its curves.
//
// stepped_log({{1, 10000}, {2, 20000}}, 1000): tag 1 "model.layer.*", for
// each (step, t): step_begin at t, layer 0 from t+10 to t+100, a swap of
// `bytes` created at t+20 and copied out t+40..t+240 (d2h), released at
// t+400, prefetched back t+700..t+880 (h2d, queued at t+610), a stall
// t+850..t+900, and autograd lets it go at t+1000. The engine's resident
// bytes (the memory view's total): `bytes` over [t+20, t+400) and
// [t+610, t+1000), 0 otherwise; without swapping: `bytes` over
// [t+20, t+1000).

#include <utility>
#include <vector>

#include "log_builder.h"

namespace tswap_test {

inline LogBuilder stepped_log(const std::vector<std::pair<std::uint32_t, std::uint64_t>>& steps,
                              std::uint64_t bytes) {
  using tswap::trace::EventKind;
  const auto freed = static_cast<std::uint8_t>(tswap::trace::ReleaseReason::freed);
  const std::uint8_t pre = tswap::trace::kFlagPrefetch;
  std::vector<tswap::trace::Record> main, copier;
  for (const auto& [step, t] : steps) {
    main.insert(main.end(), {
        rec(EventKind::step_begin, t, 0, 0, 0, 0, 0, 0, step),
        rec(EventKind::layer_enter, t + 10, 0, 0, 0, 0, 0, 0, step),
        rec(EventKind::swap_created, t + 20, 0, 0, bytes, 0, 0, 0, step),
        rec(EventKind::d2h_queued, t + 30, 0, 0, bytes, 1, 0, 0, step),
        rec(EventKind::layer_exit, t + 100, 0, 0, 0, 0, 0, 0, step),
        rec(EventKind::release, t + 400, 0, 0, bytes, 0, 0, freed, step),
        rec(EventKind::h2d_queued, t + 610, 0, 0, bytes, 2, pre, 0, step),
        rec(EventKind::stall, t + 900, 0, 0, 50, 0, tswap::trace::kFlagWaitH2D, 0, step),
        rec(EventKind::unpack, t + 901, 0, 0, 0, 0, 0, 0, step),
        rec(EventKind::swap_destroyed, t + 1000, 0, 0, bytes, 0, 0, 0, step),
    });
    copier.insert(copier.end(), {
        rec(EventKind::d2h_start, t + 40, 0, 0, bytes, 1, 0, 0, step),
        rec(EventKind::d2h_done, t + 240, 0, 0, bytes, 1, 0, 0, step),
        rec(EventKind::h2d_start, t + 700, 0, 0, bytes, 2, pre, 0, step),
        rec(EventKind::h2d_done, t + 880, 0, 0, bytes, 2, pre, 0, step),
    });
  }
  LogBuilder b;
  b.standard_names().records(1, main).records(2, copier).end(main.size() + copier.size());
  return b;
}

}  // namespace tswap_test
