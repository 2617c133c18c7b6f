#pragma once

// Time to pixels and back for a view `width` pixels wide, kept out of
// paint() so that zoom and pan have tests of their own.

#include <cstdint>
#include <string>
#include <vector>

namespace tswap::viewer {

/// `ns` as a time of a log, clamped to [0, 2^64 - 1]: converting a double
/// of 2^64 or more (a view's end past the last event at 2^64 - 1), or NaN,
/// straight to an integer is undefined.
std::uint64_t to_ns(double ns);

/// Shows [begin, begin + ns_per_px * width) of a log whose events span
/// [first, last] ns, any of 0 .. 2^64 - 1, a single instant included. Zoom
/// and pan stay within that extent (plus a margin of a tenth on each side)
/// and never zoom in past 100 pixels per ns, nor past one pixel per
/// distinct double: from 2^53 ns on, adjacent doubles are more than 1 ns
/// apart (2 us at 2^63), and a finer scale would map different pixels to
/// one time.
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
  /// The finest scale that still tells pixels apart (see the class comment).
  double finest_ns_per_px() const;

  std::uint64_t first_ = 0, last_ = 1;
  int width_ = 1000;
  double begin_ = 0;
  double ns_per_px_ = 1;
};

/// A ruler's tick: where, and its label ("12.35 ms").
struct Tick {
  double x = 0;  // pixels from the mapping's left edge
  std::string label;
};

/// Ticks at 1, 2 or 5 times a power of ten ns, at least `min_px` apart,
/// across the mapping's view: at most width / min_px + 2 of them, each
/// computed (first + i * step, in integers past 2^53 ns), never accumulated,
/// and labelled with as many digits as the step needs to tell them apart.
std::vector<Tick> time_ticks(const TimeMapping& m, double min_px);

}  // namespace tswap::viewer
