#pragma once

// A second log (B, a run after a tuning change) shown against the one open
// (A): its memory curves on A's time axis, aligned at each step's start
// (Note [Step alignment]), and trace::compare's per-tag and per-layer deltas
// for the table. Built on a worker thread from B's trace, which is let go
// of afterwards; immutable then, shared by the views through LoadedLog.
//
// Note [Step alignment]: two runs of the same training loop take different
// times per step (another link, other tags), and a log's clock starts at its
// own session start, so B's curves drawn at their own times drift away from
// A's a little more each step. Instead, step N of B is drawn from where
// step N of A begins: B's time t in step N lands at t - B_start(N) +
// A_start(N). A step begins at its first step_begin (Timeline::step_marks;
// nested tags begin a step microseconds apart). Steps are matched by
// number; B's steps that A does not have, and B's events before its first
// matched step, keep the shift of the matched step before them (the first
// one's). With no step number in common, B is drawn on its own clock (shift
// 0). A step of B longer than A's runs past A's next step start: its curve
// is drawn to its end all the same, over the next one's beginning, so
// nothing B held is cut off (peaks included).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <tswap/trace/compare.h>
#include <tswap/trace/summary.h>
#include <tswap/trace/trace.h>

#include "memory.h"
#include "timeline.h"

namespace tswap::viewer {

/// Where B's times are drawn on A's axis: Note [Step alignment].
struct StepAlignment {
  /// B's times [b_begin, b_end) are drawn at t + shift.
  struct Piece {
    std::uint64_t b_begin = 0, b_end = 0;  // the last piece ends at 2^64 - 1
    std::int64_t shift = 0;                // A's step start - B's, ns
    /// The step whose starts it aligns; none when no step is in common.
    std::optional<std::uint32_t> step;
    bool operator==(const Piece& o) const {
      return b_begin == o.b_begin && b_end == o.b_end && shift == o.shift && step == o.step;
    }
  };
  std::vector<Piece> pieces;  // by b_begin, covering every time, at least one

  static StepAlignment build(const std::vector<StepMark>& a, const std::vector<StepMark>& b);
  /// The piece holding B's time `b_ns`.
  const Piece& piece_of(std::uint64_t b_ns) const;
  /// Where B's time `b_ns` is drawn on A's axis (negative: before A's time 0).
  double to_a(std::uint64_t b_ns) const;
  /// How many steps both logs begin (the pieces with a step).
  std::size_t steps_aligned() const;
};

/// One of B's curves on A's axis: one segment per piece of the alignment,
/// each a curve of its own (segments may overlap: Note [Step alignment]).
struct AlignedCurve {
  struct Segment {
    double begin = 0, end = 0;  // on A's axis, ns, begin at 0 at least
    Curve curve;                // its points, on A's axis
  };
  std::vector<Segment> segments;  // by begin; none for a curve without points

  /// `curve` of B cut at the alignment's pieces; the last one ends at
  /// `b_last` (B's last event), where B's curves end.
  static AlignedCurve build(const Curve& curve, const StepAlignment& alignment, std::uint64_t b_last);
  /// The level at A's time `ns` (of the latest segment holding it); none
  /// outside every segment.
  std::optional<std::int64_t> at(double ns) const;
  /// The highest level, and where it is drawn.
  std::int64_t peak(std::uint64_t* when = nullptr) const;
  bool empty() const { return segments.empty(); }
};

/// The figures of a trace::RowComparison that the table shows a delta of.
enum class Figure : std::uint8_t {
  bytes_out, bytes_in, resident_peak, d2h_ns, h2d_ns, stall_waited_ns, stall_caused_ns,
  d2h_gb_per_s, h2d_gb_per_s
};
inline constexpr int kFigures = 9;

/// One figure in both logs, as numbers (none where a log lacks the row or
/// the figure), with trace::Change's B - A and B / A.
struct FigureChange {
  std::optional<double> a, b, delta, ratio;
};
FigureChange figure_change(const trace::RowComparison& row, Figure f);
/// Which way is better: -1 lower (time, peak, stalls), +1 higher (GB/s), 0
/// neither (bytes moved: fewer is not better when they buy the memory).
int better_when(Figure f);
/// A figure, and a change of it, in the table's words: "1.0 MiB", "2.50 ms",
/// "0.02" (GB/s); "+1.0 MiB", "-55.50 ms", "+0.01", none without a sign:
/// "0 B", "0 ns", "0.00". Units are trace::format_bytes' and format_duration's.
std::string format_figure(double v, Figure f);
std::string format_change(double delta, Figure f);

/// B against A, for the memory view and the table.
struct ComparedLog {
  std::string name;  // B's file name, for the legend and the table's headers
  StepAlignment alignment;
  /// B's engine resident bytes, its curve without swapping, and its
  /// allocator's allocated bytes (empty without samples), on A's axis.
  AlignedCurve total, without_swap, device_allocated;
  /// trace::compare(A, B): per tag and per layer, matched by name.
  trace::Comparison deltas;
  std::uint64_t first = 0, last = 0;  // B's segments' extent on A's axis
  std::string warning;                // B's completeness, as the banner says A's

  /// `b` against A (`a_steps`: A's Timeline::step_marks, `a_summary`: its
  /// summary), named `name`.
  static ComparedLog build(const std::vector<StepMark>& a_steps, const trace::Summary& a_summary,
                           const trace::Trace& b, std::string name);
};

}  // namespace tswap::viewer
