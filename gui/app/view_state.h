#pragma once

// What is loaded and how it is looked at: shared, read-only, by the views,
// the painters and the exports.

#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include <tswap/trace/summary.h>
#include <tswap/trace/trace.h>

#include "capture_lanes.h"
#include "comparison.h"
#include "filter_choices.h"
#include "layer_palette.h"
#include "memory.h"
#include "ranks.h"
#include "statistics.h"
#include "time_mapping.h"
#include "timeline.h"
#include "what_if.h"

namespace tswap::viewer {

/// A loaded log and everything built from it. Immutable: built on a worker
/// thread, handed to the UI thread whole.
struct LoadedLog {
  std::shared_ptr<const trace::Trace> trace;  // shared by rebuilds with other filters
  Timeline timeline;                          // as filtered when it was built
  // Neither depends on the filter: shared by rebuilds too. Null while the
  // log is shown with its timeline alone (complete()).
  std::shared_ptr<const MemoryModel> memory;
  std::shared_ptr<const trace::Summary> summary;
  std::shared_ptr<const LayerPalette> palette;  // with the memory curves
  std::shared_ptr<const FilterChoices> choices; // what the filters offer, with the summary
  Filter filter;
  /// An attached Nsight Systems export, its lanes appended to `timeline`
  /// (and again to each rebuild); null when none is.
  std::shared_ptr<const Attachment> attachment;
  /// A second log compared with this one (File > Compare with...): its
  /// curves on this log's axis and the table's deltas; null when none is.
  /// Kept by rebuilds, as the attachment is.
  std::shared_ptr<const ComparedLog> compared;
  /// Several ranks' logs shown at once (ranks.h): `trace` and the models
  /// above are the first rank's (names, colours, steps, filters), and
  /// `timeline` is every rank's, merged; `rank_groups` say whose lanes are
  /// where in it. Null (and no groups) for one log. Kept by rebuilds.
  std::shared_ptr<const RankedRun> ranks;
  std::vector<MergedTimeline::Group> rank_groups;

  /// Whether the models beside the timeline are built: a log opened with
  /// Loader::load() is shown first with its timeline alone (Note [First
  /// frame] in loader.cpp), then whole.
  bool complete() const { return memory && summary && palette && choices; }
  /// Note [First frame]: the models beside the timeline, from `rest`.
  void take_models(const LoadedLog& rest) {
    memory = rest.memory;
    summary = rest.summary;
    palette = rest.palette;
    choices = rest.choices;
  }

  /// The trace a span of lane `lane` belongs to (its `event` indexes it).
  const trace::Trace& trace_of(std::size_t lane) const {
    if (!ranks) return *trace;
    for (const MergedTimeline::Group& g : rank_groups)
      if (lane >= g.header_lane && lane < g.first_lane + g.lanes) return *ranks->traces.at(g.input);
    return *trace;
  }

  /// What the time axis fits: the timeline's extent, and a compared log's
  /// curves where they reach past it.
  std::pair<std::uint64_t, std::uint64_t> extent() const {
    if (!compared || compared->last <= compared->first) return {timeline.first, timeline.last};
    return {std::min(timeline.first, compared->first), std::max(timeline.last, compared->last)};
  }
};

/// The UI's view of it, owned by the main window.
struct ViewState {
  TimeMapping mapping;
  std::optional<SpanRef> selected;
  /// The memcpy the GPU ran for the selected logged copy (an attached capture).
  std::optional<SpanRef> linked;
  std::optional<std::pair<double, double>> range;  // a selected time range
  std::optional<double> cursor;                    // time under the mouse
  /// Spans of the highlighted tag and layer (a filtered timeline), drawn as
  /// an accent strip under each lane.
  std::shared_ptr<const Timeline> highlight;
  /// The memory view stacks one area per tag instead of one per layer. A
  /// setting: it outlives the log.
  bool memory_by_tag = false;
  /// The what-if panel's plan, predicted (what_if.h): drawn on the memory
  /// view beside the measured curves; null while the panel has none.
  std::shared_ptr<const PredictedCurve> predicted;
  /// With several ranks: one small plot per rank instead of their curves
  /// overlaid in one (View > Memory per Rank). A setting.
  bool memory_small_multiples = false;

  /// Forgets what was looked at in the previous log (zoom, selection,
  /// range, cursor, highlight); keeps the settings.
  void reset_for_new_log() {
    ViewState fresh;
    fresh.memory_by_tag = memory_by_tag;
    fresh.memory_small_multiples = memory_small_multiples;
    *this = std::move(fresh);
  }
};

}  // namespace tswap::viewer
