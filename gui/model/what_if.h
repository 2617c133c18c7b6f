#pragma once

// The what-if panel's model, without widgets: one step of the open log
// profiled (trace::profile), the plan a user is trying (tags swapped,
// keep-last-N, prefetch depth) and trace::predict's answer on the log's own
// time axis, beside the measured curves. trace::advise's choice for a
// budget is where the panel starts (Note [Planning] in
// profiler/trace/advise.cpp says what the prediction models).
//
// A prediction's times count from the profiled step's start; it is drawn
// from where that step begins in the log (WhatIf::origin_ns), as a compared
// log's steps are (comparison.h). Built on a worker thread, immutable.

#include <cstdint>
#include <optional>
#include <string>

#include <tswap/trace/advise.h>
#include <tswap/trace/trace.h>

#include "memory.h"

namespace tswap::viewer {

/// One step of a log, profiled for planning.
struct WhatIf {
  trace::Profile profile;
  /// Where the profiled step begins on the log's clock: its earliest layer
  /// scope (device-timed ones where the profile took device times), as
  /// trace::profile counts the step's time 0.
  std::uint64_t origin_ns = 0;
  /// The log times no copy both ways (an observe run, an untimed device):
  /// the link's rate is the one given to build().
  bool link_assumed = false;
  trace::Prediction without_swapping;  // the empty plan

  /// Profiles the last complete step of `trace`; where the log has no link
  /// rate, with `link_gbps` (link_assumed then). Throws trace::AdviseError
  /// when the log cannot be planned from (no complete step; no link rate
  /// and none given), saying why.
  static WhatIf build(const trace::Trace& trace, std::optional<double> link_gbps = std::nullopt);

  /// The budget the panel starts with: the measured peak of the log's saved
  /// activations in the profiled step (the engine's resident bytes, in a
  /// swapped run), or, where nothing was swapped (an observe run), the peak
  /// they reach without swapping (the empty plan's prediction).
  std::uint64_t default_budget() const;
};

/// predict(plan) of a WhatIf, its curve of saved activations on the device
/// (Prediction::curve, every profiled tag: what a budget is held against)
/// on the log's axis.
struct PredictedCurve {
  trace::Plan plan;
  trace::Prediction prediction;
  Curve curve;                    // from origin_ns + each point's time
  std::uint64_t begin = 0, end = 0;  // the step, on the log's axis

  static PredictedCurve build(const WhatIf& what_if, const trace::Plan& plan);
};

}  // namespace tswap::viewer
