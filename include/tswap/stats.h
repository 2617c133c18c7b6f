#pragma once

// The engine's counters, public for users and tests alike.

#include <cstdint>
#include <map>
#include <string>

namespace tswap {

/// Counters of one module tag, or of all tags together.
///
/// A "swap" is one device storage (or one narrow view of a larger storage)
/// saved by one layer; several saved tensors that share a storage share one
/// swap and are copied once.
struct SwapCounters {
  std::uint64_t tensors_saved = 0;  ///< tensors autograd saved inside scopes
  std::uint64_t tensors_kept =
      0;  ///< of those, left on the device (parameters, empty, predicate, min_bytes)
  /// Device bytes handed to swaps (each storage once per layer): without
  /// swapping, all of a step's would stay resident until its backward.
  std::uint64_t bytes_saved = 0;
  std::uint64_t tensors_swapped_out = 0;  ///< device-to-host copies queued (one per swap)
  std::uint64_t bytes_swapped_out = 0;
  std::uint64_t tensors_swapped_in = 0;  ///< host-to-device copies queued (on demand and prefetch)
  std::uint64_t bytes_swapped_in = 0;
  std::uint64_t prefetches = 0;  ///< of tensors_swapped_in, those queued ahead by prefetch
  std::uint64_t releases = 0;    ///< device storages freed after their copy out
  std::uint64_t deferred_releases =
      0;  ///< releases left to another holder (the user, a later layer)
  std::uint64_t reused_without_copy =
      0;                       ///< unpacks served by a deferred storage that was still alive
  std::uint64_t stall_ns = 0;  ///< host time the compute thread waited on copies
  /// Device bytes of saved activations the engine keeps alive now: saved and
  /// not yet released, or brought back for backward. A level, not a counter.
  std::int64_t resident_bytes = 0;
  /// Highest resident_bytes since start or the last reset_stats().
  std::int64_t peak_resident_bytes = 0;

  /// Steps begun: a layer's scope entered again starts its tag's next step.
  /// Of all tags together: the most any tag began (nested tags begin each
  /// training step together).
  std::uint64_t steps = 0;
  /// bytes_saved of the current step alone (the one forward recorded last;
  /// after a training step, that step): what would stay resident until its
  /// backward without swapping.
  std::uint64_t step_bytes_saved = 0;
  /// Highest resident_bytes since the current step began: compare it with
  /// step_bytes_saved for what swapping saved in one step.
  std::int64_t step_peak_resident_bytes = 0;
};

/// A snapshot of the counters: all tags together, and each tag.
struct Stats {
  SwapCounters total;
  std::map<std::string, SwapCounters> per_tag;
};

/// Takes a snapshot. Thread-safe; counters of work in flight may be mid-way.
Stats stats();

/// Zeroes every counter; resident_bytes stays (it is a level) and the peaks
/// restart from it.
void reset_stats();

}  // namespace tswap
