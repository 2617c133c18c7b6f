#pragma once

// Numbers about what is on screen: a selected time range, one span, a search.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <tswap/trace/trace.h>

#include "timeline.h"

namespace tswap::viewer {

struct RangeStats {
  double begin = 0, end = 0;
  struct Kind {
    std::uint64_t count = 0;  // spans of the kind that overlap the range
    std::uint64_t bytes = 0;
    double busy_ns = 0;       // their time inside the range
  };
  std::array<Kind, kSpanKinds> kinds{};
  struct LaneBusy {
    std::string name;
    double busy_ns = 0;  // union of its spans inside the range
  };
  std::vector<LaneBusy> lanes;
};

/// What happened in [t0, t1]. Linear in the spans that overlap it.
RangeStats range_stats(const Timeline& timeline, double t0, double t1);

/// A span in a timeline.
struct SpanRef {
  std::size_t lane = 0;
  std::size_t span = 0;
  bool operator==(const SpanRef& o) const { return lane == o.lane && span == o.span; }
};

/// One line for tooltips and search: "copy out (D2H) model.layer.* L3 #5 step 2:
/// 4.0 MiB in 12.3 us (3.41 GB/s)".
std::string describe(const trace::Trace& trace, const Span& span);
/// Every field of the span and its event, one "name: value" per line.
std::string details(const trace::Trace& trace, const Span& span);

/// The first span beginning after `after_ns` (wrapping around to the start)
/// whose description or lane name contains `needle`, case-insensitively.
std::optional<SpanRef> find_next(const trace::Trace& trace, const Timeline& timeline,
                                 const std::string& needle, double after_ns);

/// "4.0 MiB", "12.3 us": the units people read.
std::string format_bytes(double bytes);
std::string format_duration(double ns);
/// A ruler's label for a tick at `ns`, ticks `step_ns` apart: in
/// format_duration's unit, with the digits the step needs (ticks 10 us
/// apart at 9,223,372,036.854 s read "9223372036.85478 s", ...79, not
/// all "9223372036.855 s"). Exact for whole ns.
std::string format_tick(std::uint64_t ns, std::uint64_t step_ns);
/// The same for any time: whole ns and steps go to the one above, others
/// (negative, below a ns apart) to format_duration.
std::string format_tick(double ns, double step_ns);

}  // namespace tswap::viewer
