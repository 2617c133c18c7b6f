#pragma once

// The TSC clock of the hot path (Note [TSC clock]): the recording thread
// reads the time stamp counter, and the writer thread turns ticks into
// CLOCK_MONOTONIC ns when it drains the rings, so the log stays in ns and
// no reader changes.
//
// Note [TSC clock]
// ~~~~~~~~~~~~~~~~
// steady_clock costs ~20 ns here (the vDSO's clock_gettime: rdtsc, a
// seqlock, a multiply); rdtsc alone costs a third of it. A tick count is
// only a clock where the counter is invariant (CPUID 0x80000007 EDX bit 8:
// it runs at one rate in every P-, C- and T-state) and synchronized across
// cores (the kernel checks this at boot and stops using the TSC as its
// clocksource where it is not; we ask for invariance and leave the rest to
// it). Elsewhere, or when the session asks for it, we read steady_clock.
//
// Ticks become ns along anchors: pairs (ticks, CLOCK_MONOTONIC ns) read
// back to back, one when the session starts and one at each writer drain.
// The records a drain takes were recorded since the anchor before it (the
// segment's base), so they are converted along the line through the base
// with the rate the segment measured: the conversion is exact at anchors
// (to the ~10 ns of reading one) and its drift is bounded by one segment,
// which also follows CLOCK_MONOTONIC's NTP slewing. A segment shorter than
// kMinSegmentNs measures its rate too coarsely: it keeps the base and uses
// the last good rate (from the process's first calibration, then from each
// long enough segment). The line changes at each segment, by a few ns; the
// writer keeps each thread's times from going back across that seam or
// across cores (ThreadBuffer::last_ns).

#include <cstdint>

#if defined(__x86_64__)
#include <x86intrin.h>
#endif

namespace tswap::profiler::detail {

/// The counter, unserialized: the hot path's read (a few ns).
inline std::uint64_t read_tsc() noexcept {
#if defined(__x86_64__)
  return __rdtsc();
#else
  return 0;
#endif
}

/// CPUID says the TSC is invariant (always false off x86-64), unless a test
/// pretends it is not (set_tsc_unavailable_for_testing). Cached.
bool invariant_tsc() noexcept;

/// One reading of both clocks at (nearly) the same moment.
struct ClockAnchor {
  std::uint64_t ticks = 0;
  std::int64_t steady_ns = 0;
};

/// The best of a few back-to-back readings: the one whose two steady_clock
/// reads around the (serialized) rdtsc are closest. Not for the hot path.
ClockAnchor read_anchor() noexcept;

/// ns per tick, measured once per process over a few ms (the first TSC
/// session's start pays for it). The fallback rate of a short segment.
double calibrated_ns_per_tick() noexcept;

/// Turns a session's tick counts into CLOCK_MONOTONIC ns along its anchors
/// (Note [TSC clock]). Writer thread only (start_session before it starts).
class TscTimeline {
 public:
  static constexpr std::int64_t kMinSegmentNs = 10'000'000;  // 10 ms: ~1 ppm from 10 ns anchors

  /// The session's first anchor, and the rate to start from.
  void start(const ClockAnchor& first, double ns_per_tick);

  /// A drain begins: `now` closes the segment its records were taken in.
  /// Converts along that segment until the next advance().
  void advance(const ClockAnchor& now);

  std::int64_t steady_ns(std::uint64_t ticks) const {
    const auto since = static_cast<std::int64_t>(ticks - base_.ticks);  // may be < 0: skew
    return base_.steady_ns + static_cast<std::int64_t>(static_cast<double>(since) * rate_);
  }

 private:
  ClockAnchor base_;        // the segment's start: the last anchor of a long enough segment
  double rate_ = 1.0;       // ns per tick the segment converts with
  double good_rate_ = 1.0;  // the last rate measured over kMinSegmentNs or more
  ClockAnchor pending_;     // the base of the next segment, once advance() moved past it
  bool move_base_ = false;
};

}  // namespace tswap::profiler::detail
