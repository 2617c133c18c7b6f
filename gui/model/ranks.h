#pragma once

// Several logs of one distributed run (one per rank) on one time axis:
// which rank each log is, in what order they are drawn, where each log's
// times land on the merged axis (Note [Rank alignment]), and the merged
// timeline, memory curves and table rows built from each log's own models.
// Widget-free and immutable once built; built on a worker thread.
//
// Note [Rank alignment]: a version 3 log's RunHeader says how far its steady
// clock is from rank 0's (clock_offset_ns, kRunClockAligned): its time
// monotonic_start_ns + host_ns is that plus the offset on rank 0's clock.
// Each log's events are drawn at host_ns + shift, shift = (its start on rank
// 0's clock) - (the earliest such start over the aligned logs), so that the
// shifts are never negative and the earliest session starts at 0. A log
// without kRunClockAligned (older logs, a run that never measured) has no
// such start: it is drawn from its own session start (shift 0), and the
// RankSet's note says so. Unlike Note [Step alignment] (comparison.h) the
// shift is one per log, not per step: the ranks ran at the same time, and a
// straggler is what the view is for.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <tswap/trace/summary.h>
#include <tswap/trace/trace.h>

#include "memory.h"
#include "timeline.h"

namespace tswap::viewer {

/// One log's place among the ranks.
struct RankLog {
  std::size_t input = 0;    // index into the logs given (argument order)
  std::optional<int> rank;  // the run header's rank (kRunHasRank); none for older logs
  std::string label;        // "rank 3", or the file's name without a rank
  std::string run_id;       // "" without kRunHasRank
  bool clock_aligned = false;  // kRunClockAligned: `shift` comes from the offset
  std::uint64_t shift = 0;     // merged time = host_ns + shift (Note [Rank alignment])
};

/// The logs in drawing order: those with a rank by rank (ties in argument
/// order), then those without one in argument order.
struct RankSet {
  std::vector<RankLog> ranks;
  /// "logs of different runs: a, b" when the ranked logs' run ids differ
  /// (they are shown all the same); "" otherwise.
  std::string warning;
  /// Which logs are aligned at their session start, not by a measured
  /// offset: "rank 1, b.tswap: clocks not aligned, drawn from their session
  /// start"; "" when every log is aligned (or there is one log).
  std::string note;

  /// `logs[i]` was opened from `names[i]` (a file name, for the labels).
  static RankSet build(const std::vector<const trace::Trace*>& logs,
                       const std::vector<std::string>& names);
  /// Where log `input`'s time `host_ns` lands on the merged axis.
  std::uint64_t merged(std::size_t input, std::uint64_t host_ns) const;
  /// The position in `ranks` of log `input`.
  std::size_t position_of(std::size_t input) const;
};

/// The ranks' timelines as one: each rank's lanes, in its order, under a
/// header lane (Lane::group_header, named by its label), every span moved
/// by its rank's shift. Tag ids are each log's own: a span's tag is mapped
/// to the first rank's id of the same name, so that one trace names and
/// colours every lane's bars (a tag the first rank lacks keeps its id and
/// is named by the first rank's trace as an unknown id: "").
struct MergedTimeline {
  Timeline timeline;  // lanes of every rank; step marks and turns of the first rank
  struct Group {
    std::size_t header_lane = 0;            // its header's index in timeline.lanes
    std::size_t first_lane = 0, lanes = 0;  // its own lanes: [first_lane, first_lane + lanes)
    std::string header;                     // "rank 0"
    std::size_t input = 0;                  // whose trace a span's `event` indexes
  };
  std::vector<Group> groups;  // in RankSet order

  /// `per_input[i]`: log i's own timeline (Timeline::build) of `traces[i]`.
  static MergedTimeline build(const RankSet& set, const std::vector<Timeline>& per_input,
                              const std::vector<const trace::Trace*>& traces);
  /// The group holding lane `lane` (its header lane included).
  const Group& group_of(std::size_t lane) const;
};

/// `c` drawn `shift` ns later.
Curve shifted(const Curve& c, std::uint64_t shift);
/// The pointwise maximum of step functions: at every time the highest of
/// their levels (each 0 before its first point, as Curve::at says).
Curve pointwise_max(const std::vector<Curve>& curves);

/// The ranks' resident bytes on the merged axis, for the overlay (one
/// colour per rank), the small multiples (one plot per rank) and the
/// maximum over ranks drawn on both.
struct RankMemory {
  std::vector<std::string> labels;  // RankSet order
  std::vector<Curve> totals;        // each rank's engine resident bytes, shifted
  std::vector<Curve> without_swap;  // each rank's curve without swapping, shifted
  Curve max_total;                  // pointwise_max(totals)

  /// `per_input[i]`: log i's MemoryModel.
  static RankMemory build(const RankSet& set, const std::vector<MemoryModel>& per_input);
};

/// One row of the table with several ranks: a rank's tag (layer -1) or layer.
struct RankRow {
  std::size_t position = 0;  // in RankSet::ranks
  std::string rank;          // its label: the table's rank column
  trace::LayerSummary row;
};
/// Every rank's rows, rank by rank in RankSet order; within a rank, each
/// tag's layers then its total, the tags in the summary's order (the
/// one-log table's order). `per_input[i]`: log i's summary.
std::vector<RankRow> rank_rows(const RankSet& set, const std::vector<trace::Summary>& per_input);

/// Everything the viewer builds from several ranks' logs, but the merged
/// timeline (which depends on the filter: MergedTimeline::build again).
/// Immutable once built, shared by the views through LoadedLog.
struct RankedRun {
  RankSet set;
  std::vector<std::shared_ptr<const trace::Trace>> traces;  // by input (argument order)
  std::vector<std::string> names;                           // the files' names, by input
  std::vector<MemoryModel> memories;                        // by input
  std::vector<trace::Summary> summaries;                    // by input
  RankMemory memory;
  std::vector<RankRow> rows;

  static RankedRun build(std::vector<std::shared_ptr<const trace::Trace>> traces,
                         std::vector<std::string> names);
  std::vector<const trace::Trace*> trace_ptrs() const;
  /// The merged timeline of every rank's log, each built with `filter`;
  /// none when a build is cancelled (`progress` returns false).
  std::optional<MergedTimeline> timeline(const Filter& filter, const BuildProgress& progress = {}) const;
  /// The log drawn first (the lowest rank): the one whose names, colours
  /// and steps the views use.
  const trace::Trace& first() const { return *traces.at(set.ranks.front().input); }
};

}  // namespace tswap::viewer
