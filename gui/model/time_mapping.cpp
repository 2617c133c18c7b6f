#include "time_mapping.h"

#include <algorithm>

namespace tswap::viewer {
namespace {
constexpr double kMinNsPerPx = 0.01;  // 100 pixels per ns: more says nothing
constexpr double kMargin = 0.1;       // of the extent, on each side
}  // namespace

double TimeMapping::extent() const { return std::max(1.0, static_cast<double>(last_ - first_)); }

void TimeMapping::set_bounds(std::uint64_t first_ns, std::uint64_t last_ns) {
  first_ = first_ns;
  last_ = std::max(last_ns, first_ns + 1);
  fit();
}

void TimeMapping::set_width(int px) {
  const double keep_begin = begin_, keep_end = end();
  width_ = std::max(1, px);
  show(keep_begin, keep_end);
}

void TimeMapping::fit() { show(static_cast<double>(first_), static_cast<double>(last_)); }

void TimeMapping::show(double begin_ns, double end_ns) {
  if (end_ns < begin_ns) std::swap(begin_ns, end_ns);
  begin_ = begin_ns;
  ns_per_px_ = std::max(kMinNsPerPx, (end_ns - begin_ns) / width_);
  clamp();
}

void TimeMapping::zoom(double factor, double anchor_px) {
  if (factor <= 0) return;
  const double anchor_ns = ns(anchor_px);
  ns_per_px_ = std::max(kMinNsPerPx, ns_per_px_ / factor);
  begin_ = anchor_ns - anchor_px * ns_per_px_;
  clamp();
}

void TimeMapping::pan(double dx_px) {
  begin_ += dx_px * ns_per_px_;
  clamp();
}

void TimeMapping::clamp() {
  const double margin = kMargin * extent();
  const double widest = extent() + 2 * margin;
  ns_per_px_ = std::min(ns_per_px_, widest / width_);
  const double lo = static_cast<double>(first_) - margin;
  const double hi = static_cast<double>(last_) + margin - ns_per_px_ * width_;
  begin_ = std::clamp(begin_, lo, std::max(lo, hi));
}

}  // namespace tswap::viewer
