#pragma once

// The numbers a user tunes module tags with: per tag and layer, what was
// swapped, how long the copies took, how much of that hid behind compute,
// how long compute waited.

#include <cstdint>
#include <string>
#include <vector>

#include <tswap/trace/trace.h>

namespace tswap::trace {

struct LayerSummary {
  std::string tag;
  int layer = -1;  // -1: all layers of the tag
  std::uint64_t tensors_out = 0, bytes_out = 0;
  std::uint64_t tensors_in = 0, bytes_in = 0, prefetched = 0, reused = 0;
  std::uint64_t freed = 0, deferred = 0, kept = 0;
  std::uint64_t d2h_ns = 0, h2d_ns = 0;  // copy time, start to done, where recorded
  std::uint64_t stall_ns = 0, stalls = 0;
  /// Copy time minus the time compute waited on this layer's copies (0 at
  /// least): how much of the copying hid behind compute.
  std::uint64_t overlap_ns = 0;

  double d2h_gb_per_s() const;  // bytes_out over d2h_ns (0 when not timed)
  double h2d_gb_per_s() const;
  double overlap_fraction() const;  // overlap over copy time (1 when nothing was timed)
};

struct Summary {
  std::vector<LayerSummary> layers;  // by tag, then layer
  std::vector<LayerSummary> tags;    // one total per tag (layer -1)
  std::uint64_t steps = 0;           // step_begin events, all tags
};

Summary summarize(const Trace& trace);

/// How an event changes the engine's device-resident bytes of saved
/// activations (tswap::stats().resident_bytes): + for a swap taking a
/// storage, a copy back queued or a storage held again; - for a release or a
/// swap destroyed while holding memory; 0 for everything else. Summed over a
/// log in time order it replays the engine's level.
std::int64_t resident_delta(const Event& event);

}  // namespace tswap::trace
