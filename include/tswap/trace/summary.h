#pragma once

// The numbers a user tunes module tags with: per tag and layer, what was
// swapped, how long the copies took, how much of that hid behind compute,
// how long compute waited.

#include <cstdint>
#include <map>
#include <optional>
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
  /// Who timed the copies summed in d2h_ns and h2d_ns (CopyPairing): the
  /// host (the simulated runtime's copy threads) or the device (timing
  /// events, kFlagDeviceTime). Copies with no start or no done count in neither.
  std::uint64_t d2h_timed_host = 0, d2h_timed_device = 0;
  std::uint64_t h2d_timed_host = 0, h2d_timed_device = 0;
  /// "Waited": the time compute waited on this layer's copies (its stall
  /// records), and how many waits.
  std::uint64_t stall_ns = 0, stalls = 0;
  /// "Caused": the stall time this layer's copies caused, its own waits' and
  /// others' (Note [Caused stalls] in stall_blame.h): the time they held the
  /// stream while a copy queued behind them was awaited, plus the idle and
  /// own time of the waits on this layer's copies. Summed over a log it
  /// equals the waited time; it is the figure to rank tags by.
  std::uint64_t caused_stall_ns = 0;
  /// Copy time minus the time compute waited on this layer's copies (0 at
  /// least): how much of the copying hid behind compute.
  std::uint64_t overlap_ns = 0;
  /// The highest the engine's resident bytes of this layer reached
  /// (resident_delta of its events replayed in time order); for a tag's
  /// total, of the tag's layers together at their highest (not the sum of
  /// their peaks).
  std::int64_t resident_peak = 0;

  /// Bandwidth (GB/s) of the copies out, bytes_out over d2h_ns; none when
  /// no copy out was timed (no copies: a tag's last layer; or a runtime that
  /// cannot time copies). Show none as "-" or null, never as 0.
  std::optional<double> d2h_bandwidth() const;
  std::optional<double> h2d_bandwidth() const;
  /// overlap_ns over the copy time; none when no copy was timed (not 100%:
  /// nothing was hidden because nothing was copied).
  std::optional<double> overlap_share() const;
};

/// One step's memory peaks: the device allocator's (device_allocated and
/// device_reserved samples, format version 2 with a CUDA LibTorch) and the
/// engine's resident bytes of saved activations beside them, to see
/// whether swapping lowered the allocator's peak as much as the engine
/// counts. Samples belong to the step they carry; the engine's level
/// (resident_delta summed in time order) to the step of the latest
/// step_begin.
struct StepMemory {
  std::uint32_t step = 0;
  std::uint64_t allocated_peak = 0;  // the highest device_allocated sample of the step
  std::uint64_t reserved_peak = 0;   // the highest device_reserved sample
  std::int64_t resident_peak = 0;    // the engine's highest level during the step
};

struct Summary {
  std::vector<LayerSummary> layers;  // by tag, then layer
  std::vector<LayerSummary> tags;    // one total per tag (layer -1)
  /// Training steps: the most steps any one tag began. Nested tags (a
  /// block's and its MLP's) each begin every step, so step_begin events
  /// are not steps.
  std::uint64_t steps = 0;
  std::map<std::string, std::uint64_t> steps_per_tag;  // distinct step numbers each tag began
  /// By step, for the steps with allocator samples; empty for a log without any.
  std::vector<StepMemory> memory;
  /// The engine's highest level of resident bytes over the whole log.
  std::int64_t resident_peak = 0;
};

Summary summarize(const Trace& trace);

/// How an event changes the engine's device-resident bytes of saved
/// activations (tswap::stats().resident_bytes): + for a swap taking a
/// storage, a copy back queued or a storage held again; - for a release or a
/// swap destroyed while holding memory; 0 for everything else. Summed over a
/// log in time order it replays the engine's level.
std::int64_t resident_delta(const Event& event);

}  // namespace tswap::trace
