#pragma once

// Two logs side by side: a run before and after a tuning change (another
// set of tags, keep-last-N, prefetch depth). Per tag and per layer, what
// each log swapped, held resident, copied and waited, and how the second
// differs from the first. Rows are matched by tag name and layer, never by
// string id (ids are per log). Built from two Summaries, so every figure
// means what it means in `tswap-log summary`; tswap-log compare prints it
// and the viewer's comparison table can show the same.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <tswap/trace/summary.h>
#include <tswap/trace/trace.h>

namespace tswap::trace {

/// One figure in both logs, A (the first) and B. A side is none where that
/// log lacks the row (a layer in one log only) or the figure (no timed
/// copy: no GB/s; no allocator samples: no allocator peak).
template <class T>
struct Change {
  std::optional<T> a, b;

  /// B - A where both are known (integers saturate instead of overflowing).
  std::optional<T> delta() const;
  /// B / A where both are known and A is not 0.
  std::optional<double> ratio() const;
};
using CountChange = Change<std::int64_t>;  // bytes, ns, steps
using RateChange = Change<double>;         // GB/s

/// One tag (layer -1: the tag's total) or one layer of a tag, in both logs.
struct RowComparison {
  std::string tag;
  int layer = -1;
  bool in_a = false, in_b = false;  // whether each log has the row
  CountChange bytes_out, bytes_in;  // bytes swapped out and back
  CountChange resident_peak;        // LayerSummary::resident_peak
  CountChange d2h_ns, h2d_ns;       // copy time, start to done, where timed
  CountChange stall_waited_ns;      // LayerSummary::stall_ns
  CountChange stall_caused_ns;      // LayerSummary::caused_stall_ns
  RateChange d2h_gb_per_s, h2d_gb_per_s;
};

struct Comparison {
  CountChange steps;          // Summary::steps
  CountChange resident_peak;  // the engine's, over the whole log
  /// The allocator's highest device_allocated and device_reserved samples
  /// over the log (format version 2, a CUDA LibTorch); none without samples.
  CountChange allocated_peak, reserved_peak;
  std::vector<RowComparison> tags;    // both logs' tags, by name
  std::vector<RowComparison> layers;  // both logs' layers, by tag name, then layer
};

Comparison compare(const Summary& a, const Summary& b);
/// Summarizes both logs, then compares them.
Comparison compare(const Trace& a, const Trace& b);

}  // namespace tswap::trace
