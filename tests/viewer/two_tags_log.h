#pragma once

// A log shaped like the transformer sample's (docs/viewer.md's pictures):
// six blocks, each a `model.layer.*` scope around a nested
// `model.layer.*.mlp` scope, two steps. Every layer takes a storage, so the
// memory view stacks twelve areas (two tags of six layers); layers 0-4 of
// each tag copy out, free and come back by prefetch, the last layer keeps
// its storage until backward. Layer 0 of the block tag stalls once a step.

#include <vector>

#include "log_builder.h"

namespace tswap_test {

inline LogBuilder two_tags_log(bool end = true) {
  using tswap::trace::EventKind;
  using tswap::trace::Record;
  constexpr int kBlocks = 6;
  const auto freed = static_cast<std::uint8_t>(tswap::trace::ReleaseReason::freed);
  const std::uint8_t prefetch = tswap::trace::kFlagPrefetch;
  auto of = [](std::uint16_t tag, Record r) {
    r.tag = tag;
    return r;
  };
  std::vector<Record> main, copier;
  for (std::uint32_t step = 1; step <= 2; ++step) {
    const std::uint64_t t0 = step * 150000;
    main.push_back(rec(EventKind::step_begin, t0, 0, 0, 0, 0, 0, 0, step));
    main.push_back(of(2, rec(EventKind::step_begin, t0 + 5, 0, 0, 0, 0, 0, 0, step)));
    for (std::uint16_t b = 0; b < kBlocks; ++b) {
      const std::uint64_t f = t0 + 1000 + b * 10000u;
      const bool swaps = b + 1 < kBlocks;  // the last layer keeps its storage
      for (std::uint16_t tag = 1; tag <= 2; ++tag) {
        const std::uint64_t at = f + (tag == 2 ? 2000 : 0);
        const std::uint64_t bytes = tag == 1 ? 300000 : 600000;
        main.push_back(of(tag, rec(EventKind::layer_enter, at, b, 0, 0, 0, 0, 0, step)));
        main.push_back(of(tag, rec(EventKind::swap_created, at + 500, b, 0, bytes, 0, 0, 0, step)));
        if (swaps) {
          main.push_back(of(tag, rec(EventKind::d2h_queued, at + 600, b, 0, bytes, 1, 0, 0, step)));
          copier.push_back(of(tag, rec(EventKind::d2h_start, at + 700 + (tag == 2 ? 1100 : 0), b, 0, bytes, 1, 0, 0, step)));
          copier.push_back(of(tag, rec(EventKind::d2h_done, at + 3700 + (tag == 2 ? 1100 : 0), b, 0, bytes, 1, 0, 0, step)));
          main.push_back(of(tag, rec(EventKind::release, at + 3800 + (tag == 2 ? 1100 : 0), b, 0, bytes, 0, 0, freed, step)));
        }
      }
      main.push_back(of(2, rec(EventKind::layer_exit, f + 6000, b, 0, 0, 0, 0, 0, step)));
      main.push_back(rec(EventKind::layer_exit, f + 9000, b, 0, 0, 0, 0, 0, step));
    }
    // Backward, last block first; each copy back is prefetched ahead.
    for (int b = kBlocks - 1; b >= 0; --b) {
      const auto l = static_cast<std::uint16_t>(b);
      const std::uint64_t k = t0 + 80000 + static_cast<std::uint64_t>(kBlocks - 1 - b) * 10000u;
      const bool swapped = b + 1 < kBlocks;
      for (std::uint16_t tag = 2; tag >= 1; --tag) {
        const std::uint64_t at = k + (tag == 1 ? 1600 : 0);
        const std::uint64_t bytes = tag == 1 ? 300000 : 600000;
        if (swapped) {
          main.push_back(of(tag, rec(EventKind::h2d_queued, at - 4000, l, 0, bytes, 2, prefetch, 0, step)));
          copier.push_back(of(tag, rec(EventKind::h2d_start, at - 3900 + (tag == 1 ? 2900 : 0), l, 0, bytes, 2, prefetch, 0, step)));
          copier.push_back(of(tag, rec(EventKind::h2d_done, at - 1000 + (tag == 1 ? 2500 : 0), l, 0, bytes, 2, prefetch, 0, step)));
        }
        if (tag == 1 && b == 0) {
          main.push_back(rec(EventKind::stall, at + 1500, 0, 0, 1500, 0, tswap::trace::kFlagWaitH2D, 0, step));
        }
        main.push_back(of(tag, rec(EventKind::unpack, at + 1500, l, 0, 0, 0, 0, 0, step)));
        main.push_back(of(tag, rec(EventKind::swap_destroyed, at + 1800, l, 0, bytes, 0, 0, 0, step)));
      }
    }
  }
  LogBuilder b;
  b.standard_names()
      .strings({{tswap::trace::StringKind::tag, 2, "model.layer.*.mlp"}})
      .records(1, main)
      .records(2, copier);
  if (end) b.end(main.size() + copier.size());
  return b;
}

}  // namespace tswap_test
