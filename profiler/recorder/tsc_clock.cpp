#include "tsc_clock.h"

#include <atomic>
#include <chrono>
#include <limits>
#include <thread>

#if defined(__x86_64__)
#include <cpuid.h>
#endif

#include <tswap/profiler.h>

namespace tswap::profiler::detail {
namespace {

std::atomic<bool> g_pretend_no_tsc{false};

std::int64_t steady_now() noexcept {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

bool cpuid_invariant_tsc() noexcept {
#if defined(__x86_64__)
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (__get_cpuid(0x80000000u, &a, &b, &c, &d) == 0 || a < 0x80000007u) return false;
  if (__get_cpuid(0x80000007u, &a, &b, &c, &d) == 0) return false;
  return (d & (1u << 8)) != 0;  // "Invariant TSC"
#else
  return false;
#endif
}

}  // namespace

bool invariant_tsc() noexcept {
  static const bool invariant = cpuid_invariant_tsc();
  return invariant && !g_pretend_no_tsc.load(std::memory_order_relaxed);
}

ClockAnchor read_anchor() noexcept {
  ClockAnchor best;
  std::int64_t best_width = std::numeric_limits<std::int64_t>::max();
  for (int i = 0; i < 5; ++i) {
    const std::int64_t before = steady_now();
#if defined(__x86_64__)
    _mm_lfence();  // the counter is read after `before`, and before `after`
    const std::uint64_t ticks = __rdtsc();
    _mm_lfence();
#else
    const std::uint64_t ticks = 0;
#endif
    const std::int64_t after = steady_now();
    if (after - before < best_width) {
      best_width = after - before;
      best = ClockAnchor{ticks, before + (after - before) / 2};
    }
  }
  return best;
}

double calibrated_ns_per_tick() noexcept {
  static const double rate = [] {
    const ClockAnchor a = read_anchor();
    std::this_thread::sleep_for(std::chrono::milliseconds(5));  // ~4 ppm from 10 ns anchors
    const ClockAnchor b = read_anchor();
    const std::uint64_t ticks = b.ticks - a.ticks;
    return ticks == 0 ? 1.0 : static_cast<double>(b.steady_ns - a.steady_ns) / static_cast<double>(ticks);
  }();
  return rate;
}

void TscTimeline::start(const ClockAnchor& first, double ns_per_tick) {
  base_ = first;
  rate_ = good_rate_ = ns_per_tick;
  move_base_ = false;
}

void TscTimeline::advance(const ClockAnchor& now) {
  // The last drain's anchor closed a long segment: its records are written,
  // what comes now was recorded after that anchor.
  if (move_base_) base_ = pending_;
  move_base_ = false;
  const std::int64_t span_ns = now.steady_ns - base_.steady_ns;
  if (span_ns >= kMinSegmentNs && now.ticks > base_.ticks) {
    rate_ = good_rate_ =
        static_cast<double>(span_ns) / static_cast<double>(now.ticks - base_.ticks);
    pending_ = now;
    move_base_ = true;
  } else {
    rate_ = good_rate_;  // too short to measure: keep the base, and the last good rate
  }
}

}  // namespace tswap::profiler::detail

namespace tswap::profiler {

bool tsc_available() noexcept {
  return detail::invariant_tsc();
}

void set_tsc_unavailable_for_testing(bool unavailable) noexcept {
  detail::g_pretend_no_tsc.store(unavailable, std::memory_order_relaxed);
}

}  // namespace tswap::profiler
