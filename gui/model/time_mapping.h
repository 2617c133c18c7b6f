#pragma once

// Time to pixels and back for a view `width` pixels wide, kept out of
// paint() so that zoom and pan have tests of their own.

#include <cstdint>

namespace tswap::viewer {

/// Shows [begin, begin + ns_per_px * width) of a log whose events span
/// [first, last] ns. Zoom and pan stay within that extent (plus a margin
/// of a tenth on each side) and never zoom in past 100 pixels per ns.
class TimeMapping {
 public:
  void set_bounds(std::uint64_t first_ns, std::uint64_t last_ns);
  void set_width(int px);
  /// The whole log.
  void fit();
  /// [begin_ns, end_ns] fills the width.
  void show(double begin_ns, double end_ns);
  /// factor > 1 zooms in; the time under `anchor_px` stays under it.
  void zoom(double factor, double anchor_px);
  /// Moves the view right by `dx_px` pixels (the content moves left).
  void pan(double dx_px);

  double x(double ns) const { return (ns - begin_) / ns_per_px_; }
  double ns(double x) const { return begin_ + x * ns_per_px_; }
  double begin() const { return begin_; }
  double end() const { return begin_ + ns_per_px_ * width_; }
  double ns_per_px() const { return ns_per_px_; }
  int width() const { return width_; }
  std::uint64_t first() const { return first_; }
  std::uint64_t last() const { return last_; }

 private:
  void clamp();
  double extent() const;

  std::uint64_t first_ = 0, last_ = 1;
  int width_ = 1000;
  double begin_ = 0;
  double ns_per_px_ = 1;
};

}  // namespace tswap::viewer
