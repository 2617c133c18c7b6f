#pragma once

// What a row of the tag table highlights: the spans of one tag (and layer)
// picked out of a timeline already built, instead of a timeline built again
// from every event of the trace. Picking is one pass over the built spans
// and their level of detail for the lanes that keep any; a rebuild read the
// whole log again (seconds at tens of millions of events) on every click.

#include <cstddef>
#include <functional>
#include <utility>

#include <tswap/trace/trace.h>

#include "timeline.h"

namespace tswap::viewer {

/// The trace whose tag ids a lane's spans carry (LoadedLog::trace_of).
using TraceOfLane = std::function<const trace::Trace&(std::size_t lane)>;

/// The spans of `timeline` that `filter` shows, lane by lane, in the order
/// they are in: lane i of the result is lane i of `timeline` (its name, type
/// and header), holding what it shows of that lane's spans. Its non-empty
/// lanes are the lanes Timeline::build(trace, filter) makes, with the same
/// spans, for a timeline built without a filter. Only lanes [lanes.first,
/// lanes.second) give spans (one rank's group); capture lanes (an attached
/// Nsight export) give none, as a build from the log has none. Step marks,
/// turns and the log's extent are the timeline's.
Timeline pick_spans(const Timeline& timeline, const Filter& filter, const TraceOfLane& trace_of,
                    std::pair<std::size_t, std::size_t> lanes = {0, static_cast<std::size_t>(-1)});

}  // namespace tswap::viewer
