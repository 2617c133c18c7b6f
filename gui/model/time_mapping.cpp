#include "time_mapping.h"

#include "statistics.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace tswap::viewer {
namespace {
constexpr double kMinNsPerPx = 0.01;  // 100 pixels per ns: more says nothing
constexpr double kMargin = 0.1;       // of the extent, on each side
}  // namespace

std::uint64_t to_ns(double ns) {
  constexpr double kTwoTo64 = 18446744073709551616.0;
  if (!(ns > 0)) return 0;  // NaN too
  if (ns >= kTwoTo64) return std::numeric_limits<std::uint64_t>::max();
  return static_cast<std::uint64_t>(ns);
}

double TimeMapping::extent() const { return std::max(1.0, static_cast<double>(last_ - first_)); }

double TimeMapping::finest_ns_per_px() const {
  const double margin = kMargin * extent();
  const double far = static_cast<double>(last_) + margin;  // the largest time a view reaches
  return std::max(kMinNsPerPx, std::nextafter(far, std::numeric_limits<double>::infinity()) - far);
}

void TimeMapping::set_bounds(std::uint64_t first_ns, std::uint64_t last_ns) {
  if (last_ns < first_ns) std::swap(first_ns, last_ns);
  // At least 1 ns wide, without wrapping past 2^64 - 1.
  if (last_ns == first_ns) {
    if (last_ns < std::numeric_limits<std::uint64_t>::max()) ++last_ns;
    else --first_ns;
  }
  first_ = first_ns;
  last_ = last_ns;
  fit();
}

void TimeMapping::set_width(int px) {
  const double keep_begin = begin_, keep_end = end();
  width_ = std::max(1, px);
  show(keep_begin, keep_end);
}

void TimeMapping::fit() { show(static_cast<double>(first_), static_cast<double>(last_)); }

void TimeMapping::show(double begin_ns, double end_ns) {
  if (!std::isfinite(begin_ns) || !std::isfinite(end_ns)) return;
  if (end_ns < begin_ns) std::swap(begin_ns, end_ns);
  begin_ = begin_ns;
  ns_per_px_ = std::max(kMinNsPerPx, (end_ns - begin_ns) / width_);
  clamp();
}

void TimeMapping::zoom(double factor, double anchor_px) {
  if (!(factor > 0) || !std::isfinite(factor) || !std::isfinite(anchor_px)) return;
  const double anchor_ns = ns(anchor_px);
  ns_per_px_ = std::max(kMinNsPerPx, ns_per_px_ / factor);
  begin_ = anchor_ns - anchor_px * ns_per_px_;
  clamp();
}

void TimeMapping::pan(double dx_px) {
  if (!std::isfinite(dx_px)) return;
  begin_ += dx_px * ns_per_px_;
  clamp();
}

void TimeMapping::clamp() {
  const double margin = kMargin * extent();
  const double widest = extent() + 2 * margin;
  ns_per_px_ = std::max(std::min(ns_per_px_, widest / width_), finest_ns_per_px());
  const double lo = static_cast<double>(first_) - margin;
  const double hi = static_cast<double>(last_) + margin - ns_per_px_ * width_;
  if (hi < lo) {  // the finest scale shows more than the log: centre it
    begin_ = (static_cast<double>(first_) + static_cast<double>(last_)) / 2 - ns_per_px_ * width_ / 2;
    return;
  }
  begin_ = std::clamp(begin_, lo, hi);
}

namespace {

/// 1, 2 or 5 times a power of ten, at least `want`.
double tick_step(double want) {
  const double step = std::pow(10.0, std::floor(std::log10(std::max(want, 1e-3))));
  for (double k : {1.0, 2.0, 5.0}) {
    if (step * k >= want) return step * k;
  }
  return step * 10;
}

}  // namespace

std::vector<Tick> time_ticks(const TimeMapping& m, double min_px) {
  std::vector<Tick> ticks;
  min_px = std::max(1.0, min_px);
  const double step = tick_step(m.ns_per_px() * min_px);
  const auto most = static_cast<std::size_t>(m.width() / min_px) + 2;
  constexpr double kExact = 9007199254740992.0;  // 2^53: doubles hold every integer below
  if (step < 1 || m.end() < kExact) {
    const double first = std::ceil(m.begin() / step) * step;
    for (std::size_t i = 0; i < most; ++i) {
      const double ns = first + static_cast<double>(i) * step;
      if (ns > m.end()) break;
      ticks.push_back(Tick{m.x(ns), format_tick(ns, step)});
    }
    return ticks;
  }
  // Past 2^53 ns a double cannot count in steps of a few ns: integers.
  const auto s = static_cast<std::uint64_t>(step);
  const std::uint64_t begin = to_ns(std::ceil(m.begin())), end = to_ns(m.end());
  std::uint64_t first = begin - begin % s;
  if (first < begin) {
    if (first > std::numeric_limits<std::uint64_t>::max() - s) return ticks;
    first += s;
  }
  for (std::size_t i = 0; i < most; ++i) {
    const std::uint64_t k = static_cast<std::uint64_t>(i) * s;
    if (first > std::numeric_limits<std::uint64_t>::max() - k || first + k > end) break;
    ticks.push_back(Tick{m.x(static_cast<double>(first + k)), format_tick(first + k, s)});
  }
  return ticks;
}

}  // namespace tswap::viewer
